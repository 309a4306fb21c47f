package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.objective.HeadPass;
import org.ejml.data.DMatrixRMaj;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;

/**
 * The diagonal-Hessian variant of CMA's Hessian penalty (the published {@code chenyuen0103/CMA:DomainBed}
 * snapshot; docs/math.md §4.3):
 * <pre>
 *   D_e = c_h diag(H_e),  D_e[k,j] = (c_h/n_e) Σ_{i∈B_e} p_ik (1 − p_ik) x̃_ij²,   D̄ = (1/E) Σ_e D_e
 *   P_hess,diag = (1/E) Σ_e ‖D_e − D̄‖_F²
 * </pre>
 * Backward with Δ_e = (2/E)(D_e − D̄): ∂P/∂p_ik = (c_h/n_e)(1 − 2p_ik) Σ_j Δ_e[k,j] x̃_ij² and
 * ∂P/∂x̃_ij (direct) = (2c_h/n_e) x̃_ij Σ_k Δ_e[k,j] p_ik(1 − p_ik). Cost O(nCD).
 */
public final class DiagonalHessianPenalty {
    private DiagonalHessianPenalty() {
    }

    /**
     * Computes P_hess,diag and adds {@code weight}·∂P into the pass's accumulators.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param ch     the normalisation constant c_h.
     * @param weight the penalty's weight β in the objective.
     * @return the unweighted penalty.
     */
    public static double addTo(HeadPass pass, double ch, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        if (numDomains < 2) {
            return 0.0;
        }
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        int c = P.numCols;
        int d = X.numCols;
        int size = c * d;
        DMatrixRMaj[] deviation = new DMatrixRMaj[numDomains];
        DMatrixRMaj mean = new DMatrixRMaj(c, d);
        for (int e = 0; e < numDomains; e++) {
            deviation[e] = HeadDerivatives.hessianDiagonal(X, P, index.rows(e), null);
            for (int idx = 0; idx < size; idx++) {
                deviation[e].data[idx] *= ch;
            }
            axpy(1.0 / numDomains, deviation[e].data, 0, mean.data, 0, size);
        }
        double value = 0;
        for (int e = 0; e < numDomains; e++) {
            axpy(-1.0, mean.data, 0, deviation[e].data, 0, size);
            value += dot(deviation[e].data, 0, deviation[e].data, 0, size);
        }
        value /= numDomains;
        if (weight == 0.0) {
            return value;
        }
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        double[] xsq = new double[d];
        for (int e = 0; e < numDomains; e++) {
            double scale = weight * ch / index.size(e) * 2.0 / numDomains;
            double[] delta = deviation[e].data;
            for (int i : index.rows(e)) {
                int xo = i * d;
                for (int j = 0; j < d; j++) {
                    double x = X.data[xo + j];
                    xsq[j] = x * x;
                }
                for (int k = 0; k < c; k++) {
                    double p = P.data[i * c + k];
                    dP.data[i * c + k] += scale * (1 - 2 * p) * dot(delta, k * d, xsq, 0, d);
                    if (dX != null) {
                        double a = 2 * scale * p * (1 - p);
                        for (int j = 0; j < d; j++) {
                            dX.data[xo + j] += a * delta[k * d + j] * X.data[xo + j];
                        }
                    }
                }
            }
        }
        return value;
    }
}
