package io.github.cma4j.core.cma;

/** How the full-Hessian penalty is computed; both forms give the same value and gradients. */
public enum HessianForm {
    /** Let {@link HessianCostModel} pick the cheaper form for the batch's shape. */
    AUTO,
    /** n×n Gram matrices, {@link GramHessianPenalty}: best when D is large relative to n. */
    GRAM,
    /** Per-domain D×D blocks, {@link BlockedHessianPenalty}: best when n is large, D moderate, C small. */
    BLOCKED
}
