package io.github.cma4j.core.objective;

import io.github.cma4j.core.head.DomainIndex;
import org.ejml.data.DMatrixRMaj;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;

/**
 * Backward passes through Hessian-vector products, shared by HGP and Hutchinson ({@code docs/math.md} §8).
 * <p>
 * For fixed C×D matrices L and R, ⟨L, H_e[R]⟩ = (1/n_e) Σ_{i∈B_e} a_iᵀ A_i b_i with a_i = L x̃_i, b_i = R x̃_i.
 * Its gradient w.r.t. p_i is a∘b − a(b·p) − b(a·p) (differentiating A = diag p − ppᵀ), and w.r.t. x̃_i
 * (direct) Lᵀ A_i b_i + Rᵀ A_i a_i (A_i symmetric). The gradient w.r.t. R itself is H_e[L].
 */
public final class BackwardOps {
    private BackwardOps() {
    }

    /**
     * Adds scale·∂⟨L, H_e[R]⟩·n_e (i.e. scale·Σ_i ∂(a_iᵀ A_i b_i)) into the pass, treating L and R as constants.
     *
     * @param pass  the forward pass. Its accumulators are modified.
     * @param slot  the domain e.
     * @param L     C×D. Not modified.
     * @param R     C×D. Not modified.
     * @param scale the factor, typically weight/n_e.
     */
    public static void addBilinearCurvatureGradient(HeadPass pass, int slot, DMatrixRMaj L, DMatrixRMaj R, double scale) {
        DomainIndex index = pass.index();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        int c = P.numCols;
        int d = X.numCols;
        double[] a = new double[c];
        double[] b = new double[c];
        for (int i : index.rows(slot)) {
            int xo = i * d;
            double pa = 0;
            double pb = 0;
            for (int k = 0; k < c; k++) {
                a[k] = dot(L.data, k * d, X.data, xo, d);
                b[k] = dot(R.data, k * d, X.data, xo, d);
                double p = P.data[i * c + k];
                pa += p * a[k];
                pb += p * b[k];
            }
            for (int k = 0; k < c; k++) {
                dP.data[i * c + k] += scale * (a[k] * b[k] - a[k] * pb - b[k] * pa);
            }
            if (dX != null) {
                // A b = p∘b − p(p·b), A a likewise; then Lᵀ(A b) + Rᵀ(A a)
                for (int k = 0; k < c; k++) {
                    double p = P.data[i * c + k];
                    double ab = p * (b[k] - pb);
                    double aa = p * (a[k] - pa);
                    for (int j = 0; j < d; j++) {
                        dX.data[xo + j] += scale * (L.data[k * d + j] * ab + R.data[k * d + j] * aa);
                    }
                }
            }
        }
    }

    /**
     * Adds the gradient of ⟨U, g_e⟩ where g_e = (1/n_e) Σ r_i x̃_iᵀ is domain e's head gradient, for a fixed C×D
     * upstream U: ∂/∂p_i += (scale/n_e) U x̃_i and ∂/∂x̃_i (direct) += (scale/n_e) Uᵀ r_i.
     *
     * @param pass  the forward pass. Its accumulators are modified.
     * @param slot  the domain e.
     * @param U     C×D upstream gradient w.r.t. g_e. Not modified.
     * @param scale the factor.
     */
    public static void addHeadGradientBackward(HeadPass pass, int slot, DMatrixRMaj U, double scale) {
        DomainIndex index = pass.index();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj R = pass.residuals();
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        int c = R.numCols;
        int d = X.numCols;
        double s = scale / index.size(slot);
        for (int i : index.rows(slot)) {
            for (int k = 0; k < c; k++) {
                dP.data[i * c + k] += s * dot(U.data, k * d, X.data, i * d, d);
                if (dX != null) {
                    axpy(s * R.data[i * c + k], U.data, k * d, dX.data, i * d, d);
                }
            }
        }
    }
}
