package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.Regularizer;

/**
 * The Hessian-alignment penalty of CMA (docs/math.md §3): P_hess = (1/E) Σ_e ‖H_e^c − H̄‖_F² with H_e^c = c_h H_e,
 * or c_h diag(H_e) in the diagonal mode, and its exact gradients. The full Hessian is never materialised: the
 * penalty runs in the Gram form (docs/math.md §4) or the blocked form (§4.2), whichever {@link HessianCostModel}
 * estimates cheaper unless one is forced; the diagonal mode is {@link DiagonalHessianPenalty}. An instance holds
 * the forms' workspaces and is meant for one thread.
 */
public final class HessianAlignmentPenalty implements Regularizer {
    private final Normalization normalization;
    private final HessianMode mode;
    private final HessianForm form;
    private final ProductPrecision precision;
    private final GramHessianPenalty gram = new GramHessianPenalty();
    private final BlockedHessianPenalty blocked = new BlockedHessianPenalty();
    private HessianForm lastForm;

    /**
     * @param normalization where c_h comes from.
     * @param mode          full Hessian or its diagonal.
     * @param form          how the full-Hessian penalty is computed (AUTO: the cost model decides).
     * @param precision     arithmetic of the blocked form's long products.
     */
    public HessianAlignmentPenalty(Normalization normalization, HessianMode mode, HessianForm form, ProductPrecision precision) {
        if (normalization == null || mode == null || form == null || precision == null) {
            throw new IllegalArgumentException("normalization, mode, form and precision must be non-null");
        }
        this.normalization = normalization;
        this.mode = mode;
        this.form = form;
        this.precision = precision;
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        double ch = hessianConstant(pass);
        HessianForm chosen = chooseForm(pass);
        if (chosen == null) {
            return DiagonalHessianPenalty.addTo(pass, ch, weight);
        }
        return chosen == HessianForm.GRAM ? gram.addTo(pass, ch, weight) : blocked.addTo(pass, ch, weight, precision);
    }

    /**
     * Both CMA penalties in one Gram pass: P_grad's feature gradient rides on the Hessian term's n×n products.
     *
     * @param pass     the forward pass. Its accumulators are modified.
     * @param gradient the gradient penalty's normalisation.
     * @param alpha    P_grad's weight.
     * @param beta     P_hess's weight.
     * @return {P_grad, P_hess}, unweighted.
     */
    double[] addBothInGramForm(HeadPass pass, Normalization gradient, double alpha, double beta) {
        HeadBatch batch = pass.batch();
        double cg = gradient.gradientConstant(batch.numClasses(), batch.numFeatures());
        return gram.addTo(pass, cg, alpha, hessianConstant(pass), beta);
    }

    private double hessianConstant(HeadPass pass) {
        return normalization.hessianConstant(pass.batch().numClasses(), pass.batch().numFeatures());
    }

    /**
     * @param pass the forward pass.
     * @return the full-Hessian form for this pass (null in the diagonal mode), remembered in {@link #lastForm()}.
     */
    HessianForm chooseForm(HeadPass pass) {
        if (mode == HessianMode.DIAGONAL) {
            return null;
        }
        HeadBatch batch = pass.batch();
        lastForm = form == HessianForm.AUTO
                ? HessianCostModel.choose(batch.index(), batch.numFeatures(), batch.numClasses(), pass.wantsFeatureGradient())
                : form;
        return lastForm;
    }

    /** @return the form the last full-Hessian evaluation used (GRAM or BLOCKED), or null if none has run yet. */
    public HessianForm lastForm() {
        return lastForm;
    }
}
