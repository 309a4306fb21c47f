package io.github.cma4j.core.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The two long products of the blocked Hessian penalty in float32, for when the features are float32 values
 * anyway (a fine-tuned featurizer's output): Y = X·P (n×d by d×d) and the Gram matrix SᵀS of an n×d matrix, on
 * row-major float arrays whose rows are padded to {@link #paddedWidth(int)} columns.
 * <p>
 * Why: in float64 these products already run at OpenBLAS dgemm's speed (docs/performance.md §4), and
 * float32 doubles the peak and halves the memory traffic. Why it stays accurate: X·P sums d products per entry,
 * and the Gram matrix is accumulated in float32 over chunks of {@link #GRAM_CHUNK} rows only and in float64 across
 * chunks, so its rounding does not grow with n. When {@link TiledOps#VECTORIZED} the kernels
 * ({@link FloatVectorKernels}) broadcast one entry of a row against a row block of the other operand and keep
 * 8 rows × 2 vectors of accumulators — no horizontal reductions; otherwise plain loops compute the same sums.
 */
public final class FloatProducts {
    /** Rows of S summed in float32 before they are added to the float64 Gram matrix. */
    public static final int GRAM_CHUNK = 256;

    /** Column padding: 16 floats, one AVX-512 vector (a whole number of vectors at any SIMD width up to it). */
    static final int ALIGN = 16;

    /** Whether the SIMD kernels run: the Vector API is on and its float width divides the padding (not on SVE > 512 bits). */
    private static final boolean SIMD = TiledOps.VECTORIZED && FloatVectorKernels.dividesPadding(ALIGN);

    private FloatProducts() {
    }

    /**
     * @param d a row's length.
     * @return d rounded up to the padding multiple: the row stride of P, Y and S.
     */
    public static int paddedWidth(int d) {
        return (d + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * Y = X·P, with X n×d (row stride d), P d×ld and Y n×ld (row stride {@code ld = paddedWidth(d)}). Columns of P
     * from d on must be zero; the same columns of Y are then zero.
     *
     * @param x  n×d, row-major. Not modified.
     * @param n  rows of X.
     * @param d  columns of X (= rows of P).
     * @param p  d×ld, row-major, zero-padded. Not modified.
     * @param y  n×ld output, length ≥ n·ld. Modified.
     */
    public static void multPadded(float[] x, int n, int d, float[] p, float[] y) {
        int ld = paddedWidth(d);
        check("x", x.length, (long) n * d);
        check("p", p.length, (long) d * ld);
        check("y", y.length, (long) n * ld);
        if (SIMD) {
            FloatVectorKernels.multPadded(x, n, d, p, ld, y);
            return;
        }
        scalarMultPadded(x, n, d, p, ld, y);
    }

    static void scalarMultPadded(float[] x, int n, int d, float[] p, int ld, float[] y) {
        for (int i = 0; i < n; i++) {
            int yo = i * ld;
            java.util.Arrays.fill(y, yo, yo + ld, 0f);
            for (int k = 0; k < d; k++) {
                float v = x[i * d + k];
                int po = k * ld;
                for (int j = 0; j < ld; j++) {
                    y[yo + j] += v * p[po + j];
                }
            }
        }
    }

    /**
     * C = SᵀS for S n×d stored with row stride {@code ld = paddedWidth(d)} (padding columns zero): float32 sums
     * over chunks of {@link #GRAM_CHUNK} rows, added into C in float64.
     *
     * @param s n×ld, row-major, zero-padded. Not modified.
     * @param n rows of S.
     * @param d columns of S.
     * @param c d×d output (symmetric), row-major. Modified.
     */
    public static void gram(float[] s, int n, int d, double[] c) {
        int ld = paddedWidth(d);
        check("s", s.length, (long) n * ld);
        check("c", c.length, (long) d * d);
        java.util.Arrays.fill(c, 0, d * d, 0.0);
        if (SIMD) {
            FloatVectorKernels.gramUpper(s, n, d, ld, c);
        } else {
            scalarGramUpper(s, n, d, ld, c);
        }
        CommonOps_DDRM.symmUpperToFull(DMatrixRMaj.wrap(d, d, c));
    }

    /** The upper triangle (j ≥ k) of SᵀS, chunk by chunk. */
    static void scalarGramUpper(float[] s, int n, int d, int ld, double[] c) {
        float[] part = new float[d];
        for (int from = 0; from < n; from += GRAM_CHUNK) {
            int to = Math.min(n, from + GRAM_CHUNK);
            for (int k = 0; k < d; k++) {
                java.util.Arrays.fill(part, 0f);
                for (int i = from; i < to; i++) {
                    float v = s[i * ld + k];
                    for (int j = k; j < d; j++) {
                        part[j] += v * s[i * ld + j];
                    }
                }
                for (int j = k; j < d; j++) {
                    c[k * d + j] += part[j];
                }
            }
        }
    }

    /**
     * Dot product of two float32 slices, accumulated in float32 (SIMD when {@link TiledOps#VECTORIZED}).
     *
     * @param a   first array. Not modified.
     * @param ao  offset into a.
     * @param b   second array. Not modified.
     * @param bo  offset into b.
     * @param len number of entries.
     * @return Σ_j a[ao+j] b[bo+j].
     */
    public static double dot(float[] a, int ao, float[] b, int bo, int len) {
        if (SIMD) {
            return FloatVectorKernels.dot(a, ao, b, bo, len);
        }
        float s = 0f;
        for (int j = 0; j < len; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    private static void check(String name, int length, long needed) {
        if (length < needed) {
            throw new IllegalArgumentException(name + " has " + length + " entries, needs " + needed);
        }
    }
}
