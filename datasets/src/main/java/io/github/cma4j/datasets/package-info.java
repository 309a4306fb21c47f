/**
 * Offline-first multi-domain datasets: the neutral {@link io.github.cma4j.datasets.MultiDomainDataset}, DomainBed's
 * in/out split, built-in benchmarks ({@code .fashion}, {@code .build}) and readers for users' own data
 * ({@code .io}). No Tribuo, no ND4J.
 */
package io.github.cma4j.datasets;
