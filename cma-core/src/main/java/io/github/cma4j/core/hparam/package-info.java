/**
 * Hyperparameters as DomainBed defines them: defaults, random-search distributions and reproducible per-name
 * seeded draws.
 */
package io.github.cma4j.core.hparam;
