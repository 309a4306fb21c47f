package io.github.cma4j.core.head;

import org.ejml.data.DMatrixRMaj;
import io.github.cma4j.core.linalg.TiledOps;

/**
 * Kernels for the linear softmax head on row-major matrices, one row per example.
 * <p>
 * EJML conventions: the output argument comes last, may be {@code null} (a new matrix is then allocated) and is
 * returned. All kernels are numerically stable: softmax and log-softmax subtract each row's maximum.
 */
public final class SoftmaxOps {
    private SoftmaxOps() {
    }

    /**
     * Logits Z = X̃ Wᵀ.
     *
     * @param X   features, n×D. Not modified.
     * @param W   head, C×D. Not modified.
     * @param Z   output, n×C, or null. Modified.
     * @return Z.
     */
    public static DMatrixRMaj logits(DMatrixRMaj X, DMatrixRMaj W, DMatrixRMaj Z) {
        if (Z == null) {
            Z = new DMatrixRMaj(X.numRows, W.numRows);
        } else {
            Z.reshape(X.numRows, W.numRows);
        }
        TiledOps.multTransB(1.0, X, W, 0.0, Z);
        return Z;
    }

    /**
     * Row-wise softmax, p_ik = exp(z_ik − max_k z_ik) / Σ_l exp(z_il − max_k z_ik).
     *
     * @param Z logits, n×C. Not modified (unless {@code P == Z}, which is allowed).
     * @param P output, n×C, or null. Modified.
     * @return P.
     */
    public static DMatrixRMaj softmax(DMatrixRMaj Z, DMatrixRMaj P) {
        if (P == null) {
            P = new DMatrixRMaj(Z.numRows, Z.numCols);
        } else if (P != Z) {
            P.reshape(Z.numRows, Z.numCols);
        }
        int c = Z.numCols;
        for (int i = 0; i < Z.numRows; i++) {
            int off = i * c;
            double max = rowMax(Z.data, off, c);
            double sum = 0;
            for (int k = 0; k < c; k++) {
                double e = Math.exp(Z.data[off + k] - max);
                P.data[off + k] = e;
                sum += e;
            }
            double inv = 1.0 / sum;
            for (int k = 0; k < c; k++) {
                P.data[off + k] *= inv;
            }
        }
        return P;
    }

    /**
     * Row-wise log-softmax, log p_ik = z_ik − max − log Σ_l exp(z_il − max).
     *
     * @param Z      logits, n×C. Not modified (unless {@code logP == Z}, which is allowed).
     * @param logP   output, n×C, or null. Modified.
     * @return logP.
     */
    public static DMatrixRMaj logSoftmax(DMatrixRMaj Z, DMatrixRMaj logP) {
        if (logP == null) {
            logP = new DMatrixRMaj(Z.numRows, Z.numCols);
        } else if (logP != Z) {
            logP.reshape(Z.numRows, Z.numCols);
        }
        int c = Z.numCols;
        for (int i = 0; i < Z.numRows; i++) {
            int off = i * c;
            double lse = logSumExp(Z.data, off, c);
            for (int k = 0; k < c; k++) {
                logP.data[off + k] = Z.data[off + k] - lse;
            }
        }
        return logP;
    }

    /**
     * Per-example cross-entropy ℓ_i = −log p_{i,y_i} = logsumexp(z_i) − z_{i,y_i}, computed from the logits so
     * that it stays finite however confident the head is.
     *
     * @param Z      logits, n×C. Not modified.
     * @param labels n labels in {@code [0, C)}. Not modified.
     * @param out    output of length n, or null. Modified.
     * @return out.
     */
    public static double[] crossEntropyPerExample(DMatrixRMaj Z, int[] labels, double[] out) {
        int n = Z.numRows;
        int c = Z.numCols;
        if (out == null || out.length < n) {
            out = new double[n];
        }
        for (int i = 0; i < n; i++) {
            int off = i * c;
            out[i] = logSumExp(Z.data, off, c) - Z.data[off + labels[i]];
        }
        return out;
    }

    /**
     * Mean cross-entropy over all rows (DomainBed's ERM loss on the concatenated batch).
     *
     * @param Z      logits, n×C. Not modified.
     * @param labels n labels. Not modified.
     * @return (1/n) Σ_i ℓ_i.
     */
    public static double meanCrossEntropy(DMatrixRMaj Z, int[] labels) {
        double[] losses = crossEntropyPerExample(Z, labels, null);
        double sum = 0;
        for (double l : losses) {
            sum += l;
        }
        return sum / losses.length;
    }

    /**
     * The softmax Jacobian applied row by row to an upstream gradient g_i = ∂L/∂p_i (docs/math.md §5):
     * (∂L/∂z)_i = A_i g_i = p_i ∘ g_i − p_i (p_i · g_i), with A_i = diag(p_i) − p_i p_iᵀ.
     *
     * @param P   probabilities, n×C. Not modified.
     * @param G   upstream gradient w.r.t. P, n×C. Not modified (unless {@code out == G}, which is allowed).
     * @param out output, n×C, or null. Modified.
     * @return out.
     */
    public static DMatrixRMaj softmaxJacobianProduct(DMatrixRMaj P, DMatrixRMaj G, DMatrixRMaj out) {
        if (out == null) {
            out = new DMatrixRMaj(P.numRows, P.numCols);
        } else if (out != G) {
            out.reshape(P.numRows, P.numCols);
        }
        int c = P.numCols;
        for (int i = 0; i < P.numRows; i++) {
            int off = i * c;
            double dot = 0;
            for (int k = 0; k < c; k++) {
                dot += P.data[off + k] * G.data[off + k];
            }
            for (int k = 0; k < c; k++) {
                out.data[off + k] = P.data[off + k] * (G.data[off + k] - dot);
            }
        }
        return out;
    }

    private static double rowMax(double[] data, int off, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < len; k++) {
            max = Math.max(max, data[off + k]);
        }
        return max;
    }

    private static double logSumExp(double[] data, int off, int len) {
        double max = rowMax(data, off, len);
        double sum = 0;
        for (int k = 0; k < len; k++) {
            sum += Math.exp(data[off + k] - max);
        }
        return max + Math.log(sum);
    }
}
