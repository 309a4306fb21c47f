package io.github.cma4j.spark;

import io.github.cma4j.core.linalg.TiledOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * A block's forward pass: Z = X̃Wᵀ, P = softmax(Z) (the row maximum subtracted), R = P − Y and the summed
 * cross-entropy Σℓ_i, each n×C row-major.
 */
final class BlockPass {
    final DMatrixRMaj x;
    final int n;
    final int c;
    final double[] z;
    final double[] p;
    final double[] r;
    final double loss;

    private BlockPass(DMatrixRMaj x, int c, double[] z, double[] p, double[] r, double loss) {
        this.x = x;
        this.n = x.numRows;
        this.c = c;
        this.z = z;
        this.p = p;
        this.r = r;
        this.loss = loss;
    }

    /**
     * @throws IllegalArgumentException naming the block's domain if a logit is not finite.
     */
    static BlockPass of(DomainBlock block, double[] w, int c) {
        int n = block.size();
        int d = block.width();
        DMatrixRMaj x = DMatrixRMaj.wrap(n, d, block.features());
        DMatrixRMaj logits = new DMatrixRMaj(n, c);
        TiledOps.multTransB(1.0, x, DMatrixRMaj.wrap(c, d, w), 0.0, logits);
        double[] z = logits.data;
        double[] p = new double[n * c];
        double[] r = new double[n * c];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int o = i * c;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                max = Math.max(max, z[o + k]);
            }
            if (!Double.isFinite(max)) {
                throw new IllegalArgumentException("a row of domain " + block.domain() + " has non-finite logits");
            }
            double sum = 0;
            for (int k = 0; k < c; k++) {
                p[o + k] = Math.exp(z[o + k] - max);
                sum += p[o + k];
            }
            int y = block.labels()[i];
            for (int k = 0; k < c; k++) {
                p[o + k] /= sum;
                r[o + k] = p[o + k] - (k == y ? 1 : 0);
            }
            loss += max + Math.log(sum) - z[o + y];
        }
        return new BlockPass(x, c, z, p, r, loss);
    }

    /** X̃ᵀ (D×n), transposed once per block by EJML's cache-blocked transpose and shared by every pair. */
    private DMatrixRMaj transposed;

    /** @return the √weight-scaled transpose S (D×n) with S[j,i] = √|A_i[a,b]|·x̃_ij, so that Σ_i A_i[a,b] x̃_i x̃_iᵀ = ±SSᵀ. */
    DMatrixRMaj scaledTranspose(int a, int b, DMatrixRMaj out) {
        if (transposed == null) {
            transposed = CommonOps_DDRM.transpose(x, null);
        }
        int d = x.numCols;
        double[] root = new double[n];
        for (int i = 0; i < n; i++) {
            double pa = p[i * c + a];
            root[i] = Math.sqrt(a == b ? pa * (1 - pa) : pa * p[i * c + b]);
        }
        out.reshape(d, n);
        double[] xt = transposed.data;
        for (int j = 0; j < d; j++) {
            int o = j * n;
            for (int i = 0; i < n; i++) {
                out.data[o + i] = root[i] * xt[o + i];
            }
        }
        return out;
    }
}
