/**
 * The contract every objective follows ({@link io.github.cma4j.core.objective.DomainObjective}), the shared
 * forward/backward bookkeeping ({@link io.github.cma4j.core.objective.HeadPass}), one penalty alone
 * ({@link io.github.cma4j.core.objective.Regularizer}), cross-entropy plus weighted regularizers
 * ({@link io.github.cma4j.core.objective.PenalizedObjective}) and the registry's entries
 * ({@link io.github.cma4j.core.objective.AlgorithmSpec}, {@link io.github.cma4j.core.objective.PenaltySpec}).
 */
package io.github.cma4j.core.objective;
