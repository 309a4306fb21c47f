package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;

/**
 * Chooses between the Gram and the blocked form of the full-Hessian penalty from operation counts
 * (docs/math.md §4.4, measured in docs/performance.md).
 * <ul>
 *     <li>Gram form: X̃X̃ᵀ is n²D/2 multiply-adds (symmetric), the feature gradient (Ω∘T∘K)X̃ another n²D,
 *     and S, Q and the three n×n-by-n×C products 5n²C, plus ~12 flops per (i,j) pair of element-wise work.</li>
 *     <li>Blocked form: per free block pair (C−1)C/2, the weighted outer products n·D²/2 and the products Φx̃_i
 *     n·D², plus ~8 passes over each of the (E+1) domains' D×D blocks.</li>
 * </ul>
 * The blocked form's workspace grows as E·C²·D², so above {@link #MAX_BLOCKED_BYTES} it is never chosen.
 */
public final class HessianCostModel {
    /** Largest workspace (256 MiB) the automatic choice allows the blocked form. */
    public static final long MAX_BLOCKED_BYTES = 256L << 20;

    private HessianCostModel() {
    }

    /**
     * @param n                rows in the batch.
     * @param numFeatures      D.
     * @param numClasses       C.
     * @param featureGradients whether ∂/∂X̃ is computed.
     * @return the Gram form's estimated multiply-add count.
     */
    public static double gramCost(int n, int numFeatures, int numClasses, boolean featureGradients) {
        double pairs = (double) n * n;
        return pairs * (0.5 * numFeatures + (featureGradients ? numFeatures : 0) + 5.0 * numClasses + 12.0);
    }

    /**
     * @param n           rows in the batch.
     * @param numDomains  E.
     * @param numFeatures D.
     * @param numClasses  C.
     * @return the blocked form's estimated multiply-add count (the feature gradient adds little to it).
     */
    public static double blockedCost(int n, int numDomains, int numFeatures, int numClasses) {
        double blocks = (numClasses - 1.0) * numClasses / 2.0;
        double dd = (double) numFeatures * numFeatures;
        return blocks * (1.5 * n * dd + 8.0 * (numDomains + 1) * dd);
    }

    /**
     * Picks the cheaper form.
     *
     * @param index            the batch's domains.
     * @param numFeatures      D.
     * @param numClasses       C.
     * @param featureGradients whether ∂/∂X̃ is computed.
     * @return {@link HessianForm#GRAM} or {@link HessianForm#BLOCKED}.
     */
    public static HessianForm choose(DomainIndex index, int numFeatures, int numClasses, boolean featureGradients) {
        int n = index.numRows();
        int numDomains = index.numDomains();
        if (BlockedHessianPenalty.workspaceBytes(numDomains, numClasses, numFeatures) > MAX_BLOCKED_BYTES) {
            return HessianForm.GRAM;
        }
        return blockedCost(n, numDomains, numFeatures, numClasses) < gramCost(n, numFeatures, numClasses, featureGradients)
                ? HessianForm.BLOCKED : HessianForm.GRAM;
    }
}
