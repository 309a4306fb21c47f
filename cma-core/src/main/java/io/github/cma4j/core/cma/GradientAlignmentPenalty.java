package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.objective.BackwardOps;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.Regularizer;
import org.ejml.data.DMatrixRMaj;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;

/**
 * The gradient-alignment penalty of CMA, in the direct form (docs/math.md §3 and §5):
 * <pre>
 *   G_e = c_g ∇_W L_e = (c_g/n_e) Σ_{i∈B_e} r_i x̃_iᵀ,   Ḡ = (1/E) Σ_e G_e
 *   P_grad = (1/E) Σ_e ‖G_e − Ḡ‖_F²
 * </pre>
 * and its backward pass with Δ_e = (2/E)(G_e − Ḡ): ∂P/∂p_i = (c_g/n_e) Δ_e x̃_i, ∂P/∂x̃_i (direct) =
 * (c_g/n_e) Δ_eᵀ r_i. Cost O(nCD), memory O(ECD). E counts the domains present; E = 1 gives 0. With c_g = 1 it is
 * also HGP's and Hutchinson's gradient term (1/E) Σ_e ‖g_e − ḡ‖² (docs/math.md §8.6).
 */
public final class GradientAlignmentPenalty implements Regularizer {
    private final Normalization normalization;

    /**
     * @param normalization where c_g comes from (it may depend on C and D).
     */
    public GradientAlignmentPenalty(Normalization normalization) {
        if (normalization == null) {
            throw new IllegalArgumentException("normalization is null");
        }
        this.normalization = normalization;
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        return addWithConstant(pass, normalization.gradientConstant(pass.batch().numClasses(), pass.batch().numFeatures()), weight);
    }

    /**
     * Computes P_grad and adds {@code weight}·∂P_grad into the pass's accumulators.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param cg     the normalisation constant c_g.
     * @param weight the penalty's weight α in the objective.
     * @return the unweighted P_grad.
     */
    public static double addWithConstant(HeadPass pass, double cg, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        if (numDomains < 2) {
            return 0.0;
        }
        DMatrixRMaj X = pass.features();
        DMatrixRMaj R = pass.residuals();
        int c = R.numCols;
        int d = X.numCols;
        DMatrixRMaj[] deviation = new DMatrixRMaj[numDomains];
        DMatrixRMaj mean = new DMatrixRMaj(c, d);
        for (int e = 0; e < numDomains; e++) {
            deviation[e] = new DMatrixRMaj(c, d);
            double scale = cg / index.size(e);
            for (int i : index.rows(e)) {
                for (int k = 0; k < c; k++) {
                    axpy(scale * R.data[i * c + k], X.data, i * d, deviation[e].data, k * d, d);
                }
            }
            axpy(1.0 / numDomains, deviation[e].data, 0, mean.data, 0, c * d);
        }
        double value = 0;
        for (int e = 0; e < numDomains; e++) {
            axpy(-1.0, mean.data, 0, deviation[e].data, 0, c * d);
            value += dot(deviation[e].data, 0, deviation[e].data, 0, c * d);
        }
        value /= numDomains;
        if (weight == 0.0) {
            return value;
        }
        for (int e = 0; e < numDomains; e++) {
            // upstream on G_e/c_g is weight · c_g · Δ_e, Δ_e = (2/E)(G_e − Ḡ)
            BackwardOps.addHeadGradientBackward(pass, e, deviation[e], weight * cg * 2.0 / numDomains);
        }
        return value;
    }
}
