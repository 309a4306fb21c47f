package io.github.cma4j.core.objective;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.SoftmaxOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * One forward pass of the linear softmax head over a batch, plus the accumulators that every loss and penalty
 * term adds its exact gradient into (docs/math.md §5).
 * <p>
 * Every term depends on W only through the logits Z = X̃Wᵀ and on the features through Z and, for some terms,
 * directly. So a term contributes:
 * <ul>
 *     <li>∂L/∂P (n×C), its gradient w.r.t. the probabilities, if it is written in terms of P;</li>
 *     <li>∂L/∂Z (n×C), its gradient w.r.t. the logits, if it is written in terms of Z;</li>
 *     <li>∂L/∂X̃ (n×D), its gradient w.r.t. the features through paths that bypass Z (only needed when the
 *     caller trains the featurizer).</li>
 * </ul>
 * {@link #finish} then applies the softmax Jacobian once, ∂L/∂Z += A_i (∂L/∂p_i), and forms
 * ∂L/∂W = (∂L/∂Z)ᵀ X̃ and ∂L/∂X̃ = (∂L/∂Z) W + direct terms. No term ever needs a second backward pass.
 */
public final class HeadPass {
    private final HeadBatch batch;
    private final DMatrixRMaj W;
    private final DMatrixRMaj logits;
    private final DMatrixRMaj probabilities;
    private final DMatrixRMaj residuals;
    private final double[] losses;
    private final DMatrixRMaj gradProbabilities;
    private final DMatrixRMaj gradLogits;
    private final DMatrixRMaj gradFeaturesDirect;
    private boolean finished;

    /**
     * Runs the forward pass.
     *
     * @param batch            the batch. Not modified.
     * @param W                the head, C×D; validated here. Not modified.
     * @param featureGradients whether ∂L/∂X̃ is wanted (fine-tuning) or only ∂L/∂W (linear probing).
     */
    public HeadPass(HeadBatch batch, DMatrixRMaj W, boolean featureGradients) {
        batch.checkHead(W);
        this.batch = batch;
        this.W = W;
        int n = batch.numRows();
        int c = batch.numClasses();
        this.logits = SoftmaxOps.logits(batch.features(), W, null);
        this.probabilities = SoftmaxOps.softmax(logits, null);
        this.residuals = probabilities.copy();
        for (int i = 0; i < n; i++) {
            residuals.data[i * c + batch.label(i)] -= 1.0;
        }
        this.losses = SoftmaxOps.crossEntropyPerExample(logits, batch.labels(), null);
        this.gradProbabilities = new DMatrixRMaj(n, c);
        this.gradLogits = new DMatrixRMaj(n, c);
        this.gradFeaturesDirect = featureGradients ? new DMatrixRMaj(n, batch.numFeatures()) : null;
    }

    /** @return the batch. */
    public HeadBatch batch() {
        return batch;
    }

    /** @return the batch's domains. */
    public DomainIndex index() {
        return batch.index();
    }

    /** @return the head W (C×D). Do not modify. */
    public DMatrixRMaj head() {
        return W;
    }

    /** @return X̃ (n×D). Do not modify. */
    public DMatrixRMaj features() {
        return batch.features();
    }

    /** @return Z = X̃Wᵀ (n×C). Do not modify. */
    public DMatrixRMaj logits() {
        return logits;
    }

    /** @return P = softmax(Z) (n×C). Do not modify. */
    public DMatrixRMaj probabilities() {
        return probabilities;
    }

    /** @return R = P − Y (n×C), Y the one-hot labels. Do not modify. */
    public DMatrixRMaj residuals() {
        return residuals;
    }

    /** @return the per-example cross-entropies ℓ_i (length n). Do not modify. */
    public double[] losses() {
        return losses;
    }

    /** @return whether the caller asked for ∂L/∂X̃. */
    public boolean wantsFeatureGradient() {
        return gradFeaturesDirect != null;
    }

    /** @return the accumulator for ∂L/∂P (n×C); terms add into it. */
    public DMatrixRMaj gradProbabilities() {
        return gradProbabilities;
    }

    /** @return the accumulator for ∂L/∂Z (n×C); terms add into it. */
    public DMatrixRMaj gradLogits() {
        return gradLogits;
    }

    /**
     * @return the accumulator for the direct part of ∂L/∂X̃ (n×D), or null when feature gradients were not asked
     * for; terms add into it. {@link #finish} completes it into the whole ∂L/∂X̃ in place.
     */
    public DMatrixRMaj gradFeaturesDirect() {
        return gradFeaturesDirect;
    }

    /**
     * Mean cross-entropy over the batch, adding {@code weight}·∂/∂Z into the logit accumulator.
     *
     * @param mode   pooled over rows, or the mean over domains of per-domain means.
     * @param weight the weight of this term in the objective.
     * @return the (unweighted) cross-entropy.
     */
    public double addCrossEntropy(CrossEntropyMode mode, double weight) {
        DomainIndex index = batch.index();
        double[] domainLosses = domainLosses();
        double value = 0;
        for (int e = 0; e < domainLosses.length; e++) {
            // pooled: domain e's mean loss weighs n_e/n; domain mean: it weighs 1/E.
            double domainWeight = mode == CrossEntropyMode.POOLED
                    ? (double) index.size(e) / batch.numRows() : 1.0 / domainLosses.length;
            value += domainWeight * domainLosses[e];
            addDomainLossGradient(e, weight * domainWeight);
        }
        return value;
    }

    /**
     * @return L_e, the mean cross-entropy of each domain present, indexed by slot.
     */
    public double[] domainLosses() {
        DomainIndex index = batch.index();
        double[] out = new double[index.numDomains()];
        for (int e = 0; e < out.length; e++) {
            double sum = 0;
            for (int i : index.rows(e)) {
                sum += losses[i];
            }
            out[e] = sum / index.size(e);
        }
        return out;
    }

    /**
     * Adds {@code weight}·∂L_e/∂Z for one domain's mean cross-entropy: row i of the domain gets weight·r_i/n_e.
     *
     * @param slot   the domain's slot.
     * @param weight the weight of L_e in the objective.
     */
    public void addDomainLossGradient(int slot, double weight) {
        int[] rows = batch.index().rows(slot);
        int c = batch.numClasses();
        double g = weight / rows.length;
        for (int i : rows) {
            for (int k = 0; k < c; k++) {
                gradLogits.data[i * c + k] += g * residuals.data[i * c + k];
            }
        }
    }

    /**
     * Completes the backward pass and packages the result. Once per pass: ∂L/∂X̃ is completed in the direct
     * accumulator itself (at fine-tuning sizes, 50,000 × 257, a copy cost an allocation of 100 MB per step).
     *
     * @param value          the objective's value.
     * @param crossEntropy   its cross-entropy part.
     * @param terms          named unweighted terms (penalties, weights in force) for logging. Not modified.
     * @param resetOptimizer whether the optimiser's state should be reset before this step is applied.
     * @return the result, holding ∂L/∂W, ∂L/∂X̃ (or null) and ∂L/∂Z.
     * @throws IllegalStateException if the pass was already finished.
     */
    public ObjectiveResult finish(double value, double crossEntropy, java.util.Map<String, Double> terms,
                                  boolean resetOptimizer) {
        if (finished) {
            throw new IllegalStateException("this pass was already finished; a pass completes ∂L/∂X̃ in place once");
        }
        finished = true;
        DMatrixRMaj dZ = gradLogits.copy();
        DMatrixRMaj viaP = SoftmaxOps.softmaxJacobianProduct(probabilities, gradProbabilities, null);
        CommonOps_DDRM.addEquals(dZ, viaP);
        DMatrixRMaj gradW = new DMatrixRMaj(W.numRows, W.numCols);
        CommonOps_DDRM.multTransA(dZ, batch.features(), gradW);
        DMatrixRMaj gradX = null;
        if (gradFeaturesDirect != null) {
            gradX = gradFeaturesDirect;
            CommonOps_DDRM.multAdd(dZ, W, gradX);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalStateException("the objective is not finite (" + value + "); terms: " + terms);
        }
        return new ObjectiveResult(value, crossEntropy, terms, gradW, gradX, dZ, resetOptimizer);
    }
}
