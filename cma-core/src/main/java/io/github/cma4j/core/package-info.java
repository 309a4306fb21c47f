/**
 * cma4j core: the mathematics of domain generalization for a linear softmax head, on EJML only.
 * <p>
 * {@link io.github.cma4j.core.head} holds the head itself and its per-domain closed-form derivatives,
 * {@link io.github.cma4j.core.objective} the contract every regularized objective follows, and
 * {@link io.github.cma4j.core.cma} closed-form moment alignment (CMA). The formulas are derived in
 * {@code docs/math.md}.
 */
package io.github.cma4j.core;
