package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.linalg.RowOps;
import io.github.cma4j.core.linalg.TiledOps;
import io.github.cma4j.core.objective.HeadPass;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * CMA's full-Hessian penalty in the <b>Gram form</b>: exact, without ever materialising a (C·D)×(C·D) Hessian
 * (docs/math.md §4.1).
 * <pre>
 *   P_hess = (1/E) Σ_e ‖c_h H_e − c_h H̄‖_F²  =  c_h² Σ_{i,j} Ω_ij T_ij K_ij²
 *   K = X̃X̃ᵀ,  S = PPᵀ,  Q = (P∘P)Pᵀ,  T = S − Q − Qᵀ + S∘S        (T_ij = tr(A_i A_j))
 *   Ω_ij = δ_{e(i)e(j)} / (E n_{e(i)}²) − 1 / (E² n_{e(i)} n_{e(j)})
 * </pre>
 * Backward, with M = Ω∘K∘K:
 * <pre>
 *   ∂P/∂X̃ (direct) = 4c_h² (Ω∘T∘K) X̃
 *   ∂P/∂P           = 2c_h² [ M P − M (P∘P) − 2 P∘(M P) + 2 (M∘S) P ]
 * </pre>
 * Cost ≈ n²(1.5 D + 5 C) multiply-adds (the D-term halves without feature gradients), memory 3 n×n matrices,
 * reused across calls. Every matrix above is symmetric, so the element-wise part visits each pair once.
 * An instance holds workspaces: use one per thread.
 */
public final class GramHessianPenalty {
    private DMatrixRMaj gramX;
    private DMatrixRMaj transposedX;
    private DMatrixRMaj gramP;
    private DMatrixRMaj cross;
    private DMatrixRMaj squares;
    private DMatrixRMaj mp;
    private DMatrixRMaj mpp;
    private DMatrixRMaj msp;
    private DMatrixRMaj gramR;
    private DMatrixRMaj rGrad;

    /**
     * Computes P_hess and adds {@code weight}·∂P_hess into the pass's accumulators.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param ch     the normalisation constant c_h.
     * @param weight the penalty's weight β in the objective.
     * @return the unweighted P_hess.
     */
    public double addTo(HeadPass pass, double ch, double weight) {
        return addTo(pass, Double.NaN, 0.0, ch, weight)[1];
    }

    /**
     * Computes P_hess and, when {@code cg} is not NaN, also P_grad in its Gram form
     * (P_grad = c_g² Σ Ω∘(RRᵀ)∘K, ∂/∂R = 2c_g²(Ω∘K)R, ∂/∂X̃ = 2c_g²(Ω∘RRᵀ)X̃, docs/math.md §4.1), adding
     * α·∂P_grad + β·∂P_hess into the pass. Fusing them costs O(n²C) on top of the Hessian penalty, because P_grad's
     * feature gradient joins the same n×n-by-n×D product; the direct form ({@link GradientAlignmentPenalty}) costs
     * O(nCD).
     *
     * @param pass  the forward pass. Its accumulators are modified.
     * @param cg    c_g, or NaN to skip P_grad.
     * @param alpha α.
     * @param ch    c_h.
     * @param beta  β.
     * @return {P_grad (0 when skipped), P_hess}, unweighted.
     */
    public double[] addTo(HeadPass pass, double cg, double alpha, double ch, double beta) {
        boolean withGradient = !Double.isNaN(cg);
        DomainIndex index = pass.index();
        if (index.numDomains() < 2) {
            return new double[]{0.0, 0.0};
        }
        DMatrixRMaj P = pass.probabilities();
        int n = P.numRows;
        int c = P.numCols;
        computeProducts(pass, withGradient);
        // the feature-gradient coefficients of both penalties share one n×n matrix (in Q's storage)
        double hessScale = 4.0 * ch * ch * beta;
        double gradScale = withGradient ? 2.0 * cg * cg * alpha : 0.0;
        double[] sums = sweep(new DomainWeights(index), n, hessScale, gradScale, withGradient ? gramR.data : null);
        double value = ch * ch * sums[0];
        double gradValue = withGradient ? cg * cg * sums[1] : 0.0;
        if (withGradient && alpha != 0.0) {
            rGrad = RowOps.reshaped(rGrad, n, c);
            CommonOps_DDRM.mult(gramR, pass.residuals(), rGrad);      // (Ω∘K) R; ∂/∂R = ∂/∂P
            double[] dP = pass.gradProbabilities().data;
            for (int idx = 0; idx < n * c; idx++) {
                dP[idx] += gradScale * rGrad.data[idx];
            }
        }
        if (beta == 0.0 && gradScale == 0.0) {
            return new double[]{gradValue, value};
        }
        if (beta != 0.0) {
            addProbabilityGradient(pass, 2.0 * ch * ch * beta);
        }
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        if (dX != null) {
            // [4c_h²β (Ω∘T∘K) + 2c_g²α (Ω∘RRᵀ)] X̃, as a product with X̃ᵀ so that both operands are read along rows
            DMatrixRMaj X = pass.features();
            transposedX = RowOps.reshaped(transposedX, X.numCols, n);
            CommonOps_DDRM.transpose(X, transposedX);
            TiledOps.multTransB(1.0, cross, transposedX, 1.0, dX);
        }
        return new double[]{gradValue, value};
    }

    /** K = X̃X̃ᵀ, S = PPᵀ, P∘P, Q = (P∘P)Pᵀ and, for the gradient penalty, RRᵀ, into the workspaces. */
    private void computeProducts(HeadPass pass, boolean withGradient) {
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        int n = X.numRows;
        gramX = RowOps.reshaped(gramX, n, n);
        gramP = RowOps.reshaped(gramP, n, n);
        cross = RowOps.reshaped(cross, n, n);
        squares = RowOps.reshaped(squares, n, P.numCols);
        TiledOps.multOuter(X, gramX);                             // K = X̃X̃ᵀ
        CommonOps_DDRM.multOuter(P, gramP);                       // S = PPᵀ
        CommonOps_DDRM.elementMult(P, P, squares);                // P∘P
        CommonOps_DDRM.multTransB(squares, P, cross);             // Q = (P∘P)Pᵀ
        if (withGradient) {
            gramR = RowOps.reshaped(gramR, n, n);
            TiledOps.multOuter(pass.residuals(), gramR);          // RRᵀ
        }
    }

    /**
     * One sweep over i ≤ j. In place: K ← M = Ω∘K∘K, S ← M∘S, Q ← B = hessScale·Ω∘T∘K (+ gradScale·Ω∘RRᵀ), and
     * RRᵀ ← Ω∘K when given. Each (i,j), (j,i) pair is read before it is written, and Q_ji is read at (i,j) before
     * being overwritten there.
     *
     * @return {Σ Ω∘T∘K², Σ Ω∘RRᵀ∘K}.
     */
    private double[] sweep(DomainWeights omega, int n, double hessScale, double gradScale, double[] rr) {
        double[] k = gramX.data;
        double[] s = gramP.data;
        double[] q = cross.data;
        double sum = 0;
        double gradSum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                int ij = i * n + j;
                int ji = j * n + i;
                double w = omega.get(i, j);
                double sij = s[ij];
                double t = sij - q[ij] - q[ji] + sij * sij;
                double ok = w * k[ij];
                double m = ok * k[ij];
                double pair = i == j ? 1.0 : 2.0;
                sum += pair * m * t;
                double b = hessScale * ok * t;
                if (rr != null) {
                    double rij = rr[ij];
                    gradSum += pair * ok * rij;
                    b += gradScale * w * rij;
                    rr[ij] = ok;                  // RRᵀ no longer needed: keep Ω∘K for ∂P_grad/∂R
                    rr[ji] = ok;
                }
                k[ij] = m;
                k[ji] = m;
                s[ij] = m * sij;
                s[ji] = m * sij;
                q[ij] = b;
                q[ji] = b;
            }
        }
        return new double[]{sum, gradSum};
    }

    /** ∂P_hess/∂P = 2c_h²β [MP − M(P∘P) − 2P∘(MP) + 2(M∘S)P] (docs/math.md §4.1), {@code scale} = 2c_h²β. */
    private void addProbabilityGradient(HeadPass pass, double scale) {
        DMatrixRMaj P = pass.probabilities();
        int n = P.numRows;
        int c = P.numCols;
        mp = RowOps.reshaped(mp, n, c);
        mpp = RowOps.reshaped(mpp, n, c);
        msp = RowOps.reshaped(msp, n, c);
        CommonOps_DDRM.mult(gramX, P, mp);          // M P
        CommonOps_DDRM.mult(gramX, squares, mpp);   // M (P∘P)
        CommonOps_DDRM.mult(gramP, P, msp);         // (M∘S) P
        double[] dP = pass.gradProbabilities().data;
        for (int idx = 0; idx < n * c; idx++) {
            dP[idx] += scale * (mp.data[idx] - mpp.data[idx] - 2.0 * P.data[idx] * mp.data[idx] + 2.0 * msp.data[idx]);
        }
    }

    /**
     * The domain weighting matrix Ω (n×n) of the Gram identity, for inspection and tests:
     * Ω_ij = δ_{e(i)e(j)} / (E n_{e(i)}²) − 1 / (E² n_{e(i)} n_{e(j)}). The penalty itself never stores it.
     *
     * @param index the batch's domains.
     * @return Ω.
     */
    public static DMatrixRMaj domainWeights(DomainIndex index) {
        int n = index.numRows();
        DomainWeights omega = new DomainWeights(index);
        DMatrixRMaj out = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out.set(i, j, omega.get(i, j));
            }
        }
        return out;
    }

    /** Ω_ij = same_ij · 1/(E n_e²) − u_i u_j with u_i = 1/(E n_{e(i)}), from O(n) numbers. */
    private static final class DomainWeights {
        private final double[] u;
        private final double[] diagWeight;
        private final int[] slot;

        DomainWeights(DomainIndex index) {
            int numDomains = index.numDomains();
            u = new double[index.numRows()];
            diagWeight = new double[numDomains];
            slot = new int[index.numRows()];
            for (int e = 0; e < numDomains; e++) {
                double ne = index.size(e);
                diagWeight[e] = 1.0 / (numDomains * ne * ne);
                for (int i : index.rows(e)) {
                    u[i] = 1.0 / (numDomains * ne);
                    slot[i] = e;
                }
            }
        }

        double get(int i, int j) {
            return (slot[i] == slot[j] ? diagWeight[slot[i]] : 0.0) - u[i] * u[j];
        }
    }
}
