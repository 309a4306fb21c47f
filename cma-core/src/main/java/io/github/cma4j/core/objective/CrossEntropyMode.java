package io.github.cma4j.core.objective;

/**
 * How the ERM term averages the per-example cross-entropies (docs/math.md §3, "Cross-entropy").
 */
public enum CrossEntropyMode {
    /** (1/n) Σ_i ℓ_i over the concatenated batch, as DomainBed does. */
    POOLED,
    /** (1/E) Σ_e (1/n_e) Σ_{i∈e} ℓ_i, domain-balanced, as the ISR linear-probing code does. */
    DOMAIN_MEAN
}
