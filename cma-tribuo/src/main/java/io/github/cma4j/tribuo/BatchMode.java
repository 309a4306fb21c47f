package io.github.cma4j.tribuo;

/** How {@link DomainLinearSGDTrainer} forms minibatches. */
public enum BatchMode {
    /** Every step sees the whole training set (the IRM script's protocol). */
    FULL,
    /** The pooled examples are shuffled each epoch and cut into batches of {@code minibatchSize} (ISR linear probing). */
    POOLED,
    /**
     * Each step takes {@code minibatchSize} examples from every domain, cycling through each domain's reshuffled
     * examples (DomainBed's one-loader-per-domain protocol); an epoch is ⌈n / (E·minibatchSize)⌉ steps.
     */
    DOMAIN_BALANCED
}
