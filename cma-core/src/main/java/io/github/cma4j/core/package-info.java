/**
 * cma4j core: the mathematics of domain generalization for a linear softmax head, on EJML only.
 * <p>
 * {@link io.github.cma4j.core.head} holds the head itself and its per-domain closed-form derivatives;
 * {@link io.github.cma4j.core.objective} the contract every objective follows, the one-pass backward
 * ({@code HeadPass}), the {@code Regularizer} API and the registry's entries ({@code AlgorithmSpec});
 * {@link io.github.cma4j.core.cma} closed-form moment alignment (CMA); {@link io.github.cma4j.core.algorithm}
 * the baselines and the registry ({@code Algorithms}); {@link io.github.cma4j.core.hparam} hyperparameters and
 * DomainBed's seeded random search; {@link io.github.cma4j.core.linalg} the matrix kernels; and
 * {@link io.github.cma4j.core.optim} Adam. The formulas are derived in {@code docs/math.md}.
 */
package io.github.cma4j.core;
