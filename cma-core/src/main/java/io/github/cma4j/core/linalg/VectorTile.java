package io.github.cma4j.core.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 4×4 output tile of {@link TiledOps} with SIMD accumulation along the shared dimension (Java's incubating
 * Vector API). Loaded only when the JVM runs with {@code --add-modules jdk.incubator.vector}; {@link TiledOps} uses
 * the scalar tile otherwise (the speed-up is in docs/performance.md §1).
 */
final class VectorTile {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    private VectorTile() {
    }

    /**
     * C[i+r][j+c] = α·(row i+r of A)·(row j+c of B) + γ·C[i+r][j+c] for r, c in 0..3, over k entries of each row
     * starting at a0 / b0 (row strides lda, ldb), accumulating in SIMD registers. Each accumulator is reduced on its
     * own: collecting them in an array would force the vectors onto the heap (docs/performance.md §1).
     */
    static void tile(double alpha, double[] a, int a0, int lda, double[] b, int b0, int ldb, int k, double gamma,
                     double[] c, int c0, int ldc) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        DoubleVector c00 = DoubleVector.zero(SPECIES), c01 = c00, c02 = c00, c03 = c00;
        DoubleVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        DoubleVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        DoubleVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int bound = SPECIES.loopBound(k);
        int t = 0;
        for (; t < bound; t += SPECIES.length()) {
            DoubleVector x0 = DoubleVector.fromArray(SPECIES, a, a0 + t);
            DoubleVector x1 = DoubleVector.fromArray(SPECIES, a, a1 + t);
            DoubleVector x2 = DoubleVector.fromArray(SPECIES, a, a2 + t);
            DoubleVector x3 = DoubleVector.fromArray(SPECIES, a, a3 + t);
            DoubleVector y0 = DoubleVector.fromArray(SPECIES, b, b0 + t);
            DoubleVector y1 = DoubleVector.fromArray(SPECIES, b, b1 + t);
            DoubleVector y2 = DoubleVector.fromArray(SPECIES, b, b2 + t);
            DoubleVector y3 = DoubleVector.fromArray(SPECIES, b, b3 + t);
            c00 = x0.fma(y0, c00); c01 = x0.fma(y1, c01); c02 = x0.fma(y2, c02); c03 = x0.fma(y3, c03);
            c10 = x1.fma(y0, c10); c11 = x1.fma(y1, c11); c12 = x1.fma(y2, c12); c13 = x1.fma(y3, c13);
            c20 = x2.fma(y0, c20); c21 = x2.fma(y1, c21); c22 = x2.fma(y2, c22); c23 = x2.fma(y3, c23);
            c30 = x3.fma(y0, c30); c31 = x3.fma(y1, c31); c32 = x3.fma(y2, c32); c33 = x3.fma(y3, c33);
        }
        double s00 = c00.reduceLanes(VectorOperators.ADD), s01 = c01.reduceLanes(VectorOperators.ADD);
        double s02 = c02.reduceLanes(VectorOperators.ADD), s03 = c03.reduceLanes(VectorOperators.ADD);
        double s10 = c10.reduceLanes(VectorOperators.ADD), s11 = c11.reduceLanes(VectorOperators.ADD);
        double s12 = c12.reduceLanes(VectorOperators.ADD), s13 = c13.reduceLanes(VectorOperators.ADD);
        double s20 = c20.reduceLanes(VectorOperators.ADD), s21 = c21.reduceLanes(VectorOperators.ADD);
        double s22 = c22.reduceLanes(VectorOperators.ADD), s23 = c23.reduceLanes(VectorOperators.ADD);
        double s30 = c30.reduceLanes(VectorOperators.ADD), s31 = c31.reduceLanes(VectorOperators.ADD);
        double s32 = c32.reduceLanes(VectorOperators.ADD), s33 = c33.reduceLanes(VectorOperators.ADD);
        for (; t < k; t++) {           // the tail shorter than one vector
            double x0 = a[a0 + t], x1 = a[a1 + t], x2 = a[a2 + t], x3 = a[a3 + t];
            double y0 = b[b0 + t], y1 = b[b1 + t], y2 = b[b2 + t], y3 = b[b3 + t];
            s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
            s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
            s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
            s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        store(c, c0, alpha, gamma, s00, s01, s02, s03);
        store(c, c0 + ldc, alpha, gamma, s10, s11, s12, s13);
        store(c, c0 + 2 * ldc, alpha, gamma, s20, s21, s22, s23);
        store(c, c0 + 3 * ldc, alpha, gamma, s30, s31, s32, s33);
    }

    /**
     * out[r] = aᵣᵀ U aᵣ for the rows aᵣ of A (m×d, row-major) and an upper-triangular U (d×d, zero below the
     * diagonal): y = aᵀU is accumulated a block of SIMD-width columns at a time (columns j..j+L−1 only see rows
     * k &lt; j+L of U), four rows of A sharing each load of U, and dotted with a's block at once — no reductions in the
     * inner loop and no m×d intermediate. The columns after the last full block are done as one more block ending
     * at column d (overlapping the previous one), whose already-counted columns are weighted 0; with d below the
     * SIMD width, in scalar code.
     */
    static void quadraticFormsUpper(double[] a, int m, int d, double[] u, double[] out) {
        int width = SPECIES.length();
        if (d < width) {
            for (int r = 0; r < m; r++) {
                out[r] = scalarForm(a, r * d, d, u);
            }
            return;
        }
        int full = d - d % width;
        int tail = d - width;                       // start of the overlapping last block, if d % width != 0
        double[] weights = new double[width];
        for (int t = 0; t < width; t++) {
            weights[t] = tail + t >= full ? 1.0 : 0.0;
        }
        DoubleVector tailWeights = DoubleVector.fromArray(SPECIES, weights, 0);
        int r = 0;
        for (; r + 4 <= m; r += 4) {
            int a0 = r * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
            DoubleVector q0 = DoubleVector.zero(SPECIES), q1 = q0, q2 = q0, q3 = q0;
            for (int j = 0; j <= full; j += width) {
                boolean last = j == full;
                if (last && full == d) {
                    break;
                }
                int col = last ? tail : j;
                DoubleVector y0 = DoubleVector.zero(SPECIES), y1 = y0, y2 = y0, y3 = y0;
                int kEnd = col + width;
                for (int k = 0; k < kEnd; k++) {
                    DoubleVector row = DoubleVector.fromArray(SPECIES, u, k * d + col);
                    y0 = row.fma(DoubleVector.broadcast(SPECIES, a[a0 + k]), y0);
                    y1 = row.fma(DoubleVector.broadcast(SPECIES, a[a1 + k]), y1);
                    y2 = row.fma(DoubleVector.broadcast(SPECIES, a[a2 + k]), y2);
                    y3 = row.fma(DoubleVector.broadcast(SPECIES, a[a3 + k]), y3);
                }
                if (last) {
                    y0 = y0.mul(tailWeights);
                    y1 = y1.mul(tailWeights);
                    y2 = y2.mul(tailWeights);
                    y3 = y3.mul(tailWeights);
                }
                q0 = y0.fma(DoubleVector.fromArray(SPECIES, a, a0 + col), q0);
                q1 = y1.fma(DoubleVector.fromArray(SPECIES, a, a1 + col), q1);
                q2 = y2.fma(DoubleVector.fromArray(SPECIES, a, a2 + col), q2);
                q3 = y3.fma(DoubleVector.fromArray(SPECIES, a, a3 + col), q3);
            }
            out[r] = q0.reduceLanes(VectorOperators.ADD);
            out[r + 1] = q1.reduceLanes(VectorOperators.ADD);
            out[r + 2] = q2.reduceLanes(VectorOperators.ADD);
            out[r + 3] = q3.reduceLanes(VectorOperators.ADD);
        }
        for (; r < m; r++) {
            int a0 = r * d;
            DoubleVector q0 = DoubleVector.zero(SPECIES);
            for (int j = 0; j <= full; j += width) {
                boolean last = j == full;
                if (last && full == d) {
                    break;
                }
                int col = last ? tail : j;
                DoubleVector y0 = DoubleVector.zero(SPECIES);
                for (int k = 0; k < col + width; k++) {
                    y0 = DoubleVector.fromArray(SPECIES, u, k * d + col).fma(DoubleVector.broadcast(SPECIES, a[a0 + k]), y0);
                }
                if (last) {
                    y0 = y0.mul(tailWeights);
                }
                q0 = y0.fma(DoubleVector.fromArray(SPECIES, a, a0 + col), q0);
            }
            out[r] = q0.reduceLanes(VectorOperators.ADD);
        }
    }

    /** aᵀUa in scalar code, for widths below one SIMD vector. */
    private static double scalarForm(double[] a, int a0, int d, double[] u) {
        double q = 0;
        for (int j = 0; j < d; j++) {
            double y = 0;
            for (int k = 0; k <= j; k++) {
                y += a[a0 + k] * u[k * d + j];
            }
            q += y * a[a0 + j];
        }
        return q;
    }

    private static void store(double[] c, int off, double alpha, double gamma, double v0, double v1, double v2, double v3) {
        if (gamma == 0.0) {
            c[off] = alpha * v0;
            c[off + 1] = alpha * v1;
            c[off + 2] = alpha * v2;
            c[off + 3] = alpha * v3;
        } else {
            c[off] = gamma * c[off] + alpha * v0;
            c[off + 1] = gamma * c[off + 1] + alpha * v1;
            c[off + 2] = gamma * c[off + 2] + alpha * v2;
            c[off + 3] = gamma * c[off + 3] + alpha * v3;
        }
    }
}
