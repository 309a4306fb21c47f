package io.github.cma4j.spark;

import java.io.Serializable;

/**
 * The per-domain sums of the first pass (docs/math.md §12): n_e, Σℓ_i, Σ r_i x̃_iᵀ, and per objective Σ r·z,
 * Σ (r x̃ᵀ)², Σ p(1−p)∘x̃² or the blocks Σ A_i[k,l] x̃x̃ᵀ (k ≤ l). One instance per partition; {@link #merge} adds
 * two, so the sums do not depend on how the rows are partitioned (up to float64 rounding).
 */
final class DomainStats implements Serializable {
    /** Sizes and what to accumulate. */
    record Shape(int c, int d, int e, DistributedObjective.Form form, boolean blocks) implements Serializable {
        int pairs() {
            return c * (c + 1) / 2;
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
        blocks = shape.blocks() ? new double[shape.e()][shape.pairs() * shape.d() * shape.d()] : null;
    }

    /** Adds one row at the head w (C×D, row-major). */
    DomainStats add(DomainRow row, double[] w) {
        int c = shape.c();
        int d = shape.d();
        RowPass r = RowPass.of(row, w, c, d, shape.e());
        int e = row.domain();
        double[] x = row.features();
        count[e]++;
        loss[e] += r.loss();
        for (int k = 0; k < c; k++) {
            double rk = r.residual()[k];
            for (int j = 0; j < d; j++) {
                gradient[e][k * d + j] += rk * x[j];
                if (squares != null) {
                    squares[e][k * d + j] += rk * x[j] * rk * x[j];
                }
                if (curvature != null) {
                    double p = r.probability()[k];
                    curvature[e][k * d + j] += p * (1 - p) * x[j] * x[j];
                }
            }
        }
        if (scaleGradient != null) {
            for (int k = 0; k < c; k++) {
                scaleGradient[e] += r.residual()[k] * r.logits()[k];
            }
        }
        if (blocks != null) {
            double[] p = r.probability();
            for (int k = 0, pair = 0; k < c; k++) {
                for (int l = k; l < c; l++, pair++) {
                    double a = (k == l ? p[k] : 0.0) - p[k] * p[l];
                    int base = pair * d * d;
                    for (int i = 0; i < d; i++) {
                        double ax = a * x[i];
                        for (int j = 0; j < d; j++) {
                            blocks[e][base + i * d + j] += ax * x[j];
                        }
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
