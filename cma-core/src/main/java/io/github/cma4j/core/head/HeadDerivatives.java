package io.github.cma4j.core.head;

import org.ejml.data.DMatrixRMaj;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;
import static io.github.cma4j.core.linalg.RowOps.zeroed;

/**
 * Closed-form derivatives of one domain's mean cross-entropy L_e = (1/n_e) Σ_{i∈B_e} −log p_{i,y_i} with respect
 * to the head W (C×D), docs/math.md §2. No autodiff: each is a sum over the domain's
 * rows of a rank-one expression.
 * <p>
 * W is vectorised row-major, entry (k, j) ↦ k·D + j. The rows of domain e are given as an index array (see
 * {@link DomainIndex#rows(int)}), so the same kernels serve a single domain or the pooled batch.
 */
public final class HeadDerivatives {
    private HeadDerivatives() {
    }

    /**
     * Head gradient ∇_W L_e = (1/n_e) Σ_{i∈B_e} (p_i − y_i) x̃_iᵀ.
     *
     * @param X      features, n×D. Not modified.
     * @param P      probabilities, n×C. Not modified.
     * @param labels n labels. Not modified.
     * @param rows   the rows of domain e, non-empty. Not modified.
     * @param out    output, C×D, or null. Modified.
     * @return out.
     */
    public static DMatrixRMaj headGradient(DMatrixRMaj X, DMatrixRMaj P, int[] labels, int[] rows, DMatrixRMaj out) {
        int c = P.numCols;
        int d = X.numCols;
        out = zeroed(out, c, d);
        double inv = 1.0 / rows.length;
        for (int i : rows) {
            for (int k = 0; k < c; k++) {
                double r = (P.data[i * c + k] - (labels[i] == k ? 1.0 : 0.0)) * inv;
                axpy(r, X.data, i * d, out.data, k * d, d);
            }
        }
        return out;
    }

    /**
     * The materialised Hessian H_e = (1/n_e) Σ_{i∈B_e} A_i ⊗ x̃_i x̃_iᵀ, (C·D)×(C·D), with
     * A_i = diag(p_i) − p_i p_iᵀ. Its memory grows with (C·D)²: use it for small heads and tests; the penalties
     * never build it.
     *
     * @param X    features, n×D. Not modified.
     * @param P    probabilities, n×C. Not modified.
     * @param rows the rows of domain e, non-empty. Not modified.
     * @param out  output, (C·D)×(C·D), or null. Modified.
     * @return out.
     */
    public static DMatrixRMaj hessian(DMatrixRMaj X, DMatrixRMaj P, int[] rows, DMatrixRMaj out) {
        int c = P.numCols;
        int d = X.numCols;
        int cd = c * d;
        out = zeroed(out, cd, cd);
        double inv = 1.0 / rows.length;
        for (int i : rows) {
            for (int k = 0; k < c; k++) {
                double pk = P.data[i * c + k];
                for (int l = 0; l < c; l++) {
                    double a = ((k == l ? pk : 0.0) - pk * P.data[i * c + l]) * inv;
                    for (int j = 0; j < d; j++) {
                        axpy(a * X.data[i * d + j], X.data, i * d, out.data, (k * d + j) * cd + l * d, d);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The Hessian's diagonal, diag(H_e)[k, j] = (1/n_e) Σ_{i∈B_e} p_ik (1 − p_ik) x̃_ij², as a C×D matrix.
     *
     * @param X    features, n×D. Not modified.
     * @param P    probabilities, n×C. Not modified.
     * @param rows the rows of domain e, non-empty. Not modified.
     * @param out  output, C×D, or null. Modified.
     * @return out.
     */
    public static DMatrixRMaj hessianDiagonal(DMatrixRMaj X, DMatrixRMaj P, int[] rows, DMatrixRMaj out) {
        int c = P.numCols;
        int d = X.numCols;
        out = zeroed(out, c, d);
        double inv = 1.0 / rows.length;
        for (int i : rows) {
            for (int k = 0; k < c; k++) {
                double pk = P.data[i * c + k];
                double a = pk * (1 - pk) * inv;
                int xo = i * d;
                int oo = k * d;
                for (int j = 0; j < d; j++) {
                    double x = X.data[xo + j];
                    out.data[oo + j] += a * x * x;
                }
            }
        }
        return out;
    }

    /**
     * Hessian-vector product H_e[V] = reshape_{C×D}(H_e · vec V) = (1/n_e) Σ_i A_i V x̃_i x̃_iᵀ in O(n_e C D):
     * u_i = V x̃_i, v_i = p_i ∘ u_i − p_i (p_i · u_i), result = (1/n_e) Σ_i v_i x̃_iᵀ.
     *
     * @param X    features, n×D. Not modified.
     * @param P    probabilities, n×C. Not modified.
     * @param rows the rows of domain e, non-empty. Not modified.
     * @param V    direction, C×D. Not modified.
     * @param out  output, C×D, or null; must not be V. Modified.
     * @return out.
     */
    public static DMatrixRMaj hessianVectorProduct(DMatrixRMaj X, DMatrixRMaj P, int[] rows, DMatrixRMaj V,
                                                   DMatrixRMaj out) {
        if (out == V) {
            throw new IllegalArgumentException("out must not be the same matrix as V");
        }
        int c = P.numCols;
        int d = X.numCols;
        out = zeroed(out, c, d);
        double inv = 1.0 / rows.length;
        double[] u = new double[c];
        for (int i : rows) {
            int xo = i * d;
            double pu = 0;
            for (int k = 0; k < c; k++) {
                u[k] = dot(V.data, k * d, X.data, xo, d);
                pu += P.data[i * c + k] * u[k];
            }
            for (int k = 0; k < c; k++) {
                double pk = P.data[i * c + k];
                axpy(pk * (u[k] - pu) * inv, X.data, xo, out.data, k * d, d);
            }
        }
        return out;
    }
}
