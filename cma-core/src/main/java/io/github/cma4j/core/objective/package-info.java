/**
 * The contract every regularized objective follows ({@link io.github.cma4j.core.objective.DomainObjective}) and
 * the shared forward/backward bookkeeping ({@link io.github.cma4j.core.objective.HeadPass}).
 */
package io.github.cma4j.core.objective;
