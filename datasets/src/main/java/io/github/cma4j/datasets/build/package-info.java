/** Deterministic, seeded builders of the built-in benchmarks. */
package io.github.cma4j.datasets.build;
