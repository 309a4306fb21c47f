package io.github.cma4j.spark;

import io.github.cma4j.core.linalg.TiledOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.io.Serializable;

/**
 * The per-domain sums of the first pass (docs/math.md §12): n_e, Σℓ_i, Σ r_i x̃_iᵀ, and per objective Σ r·z,
 * Σ (r x̃ᵀ)², Σ p(1−p)∘x̃² or the free blocks Σ A_i[a,b] x̃x̃ᵀ (a ≤ b &lt; C−1, as cma-core's blocked form builds
 * them). One instance per partition; {@link #merge} adds two, so the sums do not depend on how the rows are
 * partitioned (up to float64 rounding).
 */
final class DomainStats implements Serializable {
    /** Sizes and what to accumulate. */
    record Shape(int c, int d, int e, DistributedObjective.Form form, boolean blocks) implements Serializable {
        /** @return the number of free blocks, (C−1)C/2. */
        int freePairs() {
            return (c - 1) * c / 2;
        }
    }

    final Shape shape;
    final long[] count;
    final double[] loss;
    final double[][] gradient;
    final double[] scaleGradient;
    final double[][] squares;
    final double[][] curvature;
    final double[][] blocks;

    DomainStats(Shape shape) {
        this.shape = shape;
        int cd = shape.c() * shape.d();
        count = new long[shape.e()];
        loss = new double[shape.e()];
        gradient = new double[shape.e()][cd];
        scaleGradient = shape.form() == DistributedObjective.Form.IRM ? new double[shape.e()] : null;
        squares = shape.form() == DistributedObjective.Form.FISHR ? new double[shape.e()][cd] : null;
        curvature = shape.form() == DistributedObjective.Form.CMA_DIAG ? new double[shape.e()][cd] : null;
        blocks = shape.blocks() ? new double[shape.e()][shape.freePairs() * shape.d() * shape.d()] : null;
    }

    /** Adds one block of rows at the head w (C×D, row-major). */
    DomainStats add(DomainBlock block, double[] w) {
        int c = shape.c();
        int d = shape.d();
        int e = block.domain();
        BlockPass pass = BlockPass.of(block, w, c);
        int n = pass.n;
        count[e] += n;
        loss[e] += pass.loss;
        DMatrixRMaj residuals = DMatrixRMaj.wrap(n, c, pass.r);
        CommonOps_DDRM.multAddTransA(residuals, pass.x, DMatrixRMaj.wrap(c, d, gradient[e]));
        if (scaleGradient != null) {
            for (int t = 0; t < n * c; t++) {
                scaleGradient[e] += pass.r[t] * pass.z[t];
            }
        }
        if (squares != null || curvature != null) {
            DMatrixRMaj x2 = new DMatrixRMaj(n, d);
            CommonOps_DDRM.elementMult(pass.x, pass.x, x2);
            DMatrixRMaj weights = new DMatrixRMaj(n, c);
            for (int t = 0; t < n * c; t++) {
                weights.data[t] = squares != null ? pass.r[t] * pass.r[t] : pass.p[t] * (1 - pass.p[t]);
            }
            CommonOps_DDRM.multAddTransA(weights, x2, DMatrixRMaj.wrap(c, d, squares != null ? squares[e] : curvature[e]));
        }
        if (blocks != null) {
            DMatrixRMaj scaled = new DMatrixRMaj(d, n);
            DMatrixRMaj product = new DMatrixRMaj(d, d);
            int dd = d * d;
            for (int a = 0, pair = 0; a < c - 1; a++) {
                for (int b = a; b < c - 1; b++, pair++) {
                    TiledOps.multOuter(pass.scaledTranspose(a, b, scaled), product);
                    double sign = a == b ? 1.0 : -1.0;      // A[a,a] = p(1−p) ≥ 0, A[a,b] = −p_a p_b ≤ 0
                    for (int t = 0; t < dd; t++) {
                        blocks[e][pair * dd + t] += sign * product.data[t];
                    }
                }
            }
        }
        return this;
    }

    /** @return this, plus {@code other}. */
    DomainStats merge(DomainStats other) {
        for (int e = 0; e < shape.e(); e++) {
            count[e] += other.count[e];
            loss[e] += other.loss[e];
            DistributedObjective.sum(gradient[e], other.gradient[e]);
            if (scaleGradient != null) {
                scaleGradient[e] += other.scaleGradient[e];
            }
            if (squares != null) {
                DistributedObjective.sum(squares[e], other.squares[e]);
            }
            if (curvature != null) {
                DistributedObjective.sum(curvature[e], other.curvature[e]);
            }
            if (blocks != null) {
                DistributedObjective.sum(blocks[e], other.blocks[e]);
            }
        }
        return this;
    }
}
