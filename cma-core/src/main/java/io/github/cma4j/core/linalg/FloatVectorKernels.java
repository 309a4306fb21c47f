package io.github.cma4j.core.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels of {@link FloatProducts} (Java's incubating Vector API), loaded only when
 * {@link TiledOps#VECTORIZED}. Both are broadcast kernels: one entry of a row of the left operand times a
 * SIMD-width block of a row of the right one, accumulated into 8 rows × 2 vectors of registers. Unlike the 4×4
 * dot-product tile of {@link VectorTile} they need no horizontal reduction per output, which at a shared dimension
 * of ≈ 257 costs as much as the multiply-adds (the timings are in docs/performance.md §4).
 */
final class FloatVectorKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int ROWS = 8;

    private FloatVectorKernels() {
    }

    /** @return whether rows padded to a multiple of {@code align} floats are a whole number of SIMD vectors. */
    static boolean dividesPadding(int align) {
        return align % SPECIES.length() == 0;
    }

    /** Y = X·P; see {@link FloatProducts#multPadded}. */
    static void multPadded(float[] x, int n, int d, float[] p, int ld, float[] y) {
        int w = SPECIES.length();
        int vectors = ld / w;
        int i = 0;
        for (; i + ROWS <= n; i += ROWS) {
            for (int v = 0; v < vectors; v += 2) {
                rows8(vectors - v >= 2, x, i * d, d, 1, d, p, v * w, ld, y, i * ld + v * w, ld);
            }
        }
        for (; i < n; i++) {
            for (int v = 0; v < vectors; v++) {
                FloatVector acc = FloatVector.zero(SPECIES);
                for (int k = 0; k < d; k++) {
                    acc = FloatVector.broadcast(SPECIES, x[i * d + k]).fma(FloatVector.fromArray(SPECIES, p, k * ld + v * w), acc);
                }
                acc.intoArray(y, i * ld + v * w);
            }
        }
    }

    /** Σ_j a[ao+j]·b[bo+j] in float32 SIMD lanes; see {@link FloatProducts#dot}. */
    static double dot(float[] a, int ao, float[] b, int bo, int len) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int bound = SPECIES.loopBound(len);
        int j = 0;
        for (; j < bound; j += SPECIES.length()) {
            acc = FloatVector.fromArray(SPECIES, a, ao + j).fma(FloatVector.fromArray(SPECIES, b, bo + j), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    /**
     * The upper triangle of SᵀS added into c (d×d, float64), chunk by chunk: for a block of 8 output rows k0..k0+7
     * (columns k0..k0+7 of S) and the 2-vector column strips from column k0's vector on,
     * Σ_{i in chunk} S[i, k0+r] · S[i, strip]. Entries below the diagonal that a strip also covers are added too;
     * the caller overwrites them by symmetry.
     */
    static void gramUpper(float[] s, int n, int d, int ld, double[] c) {
        int w = SPECIES.length();
        int vectors = ld / w;
        float[] block = new float[ROWS * 2 * w];
        for (int from = 0; from < n; from += FloatProducts.GRAM_CHUNK) {
            int len = Math.min(n, from + FloatProducts.GRAM_CHUNK) - from;
            for (int k0 = 0; k0 < d; k0 += ROWS) {
                for (int v = k0 / w; v < vectors; v += 2) {
                    boolean two = vectors - v >= 2;
                    rows8(two, s, from * ld + k0, 1, ld, len, s, from * ld + v * w, ld, block, 0, 2 * w);
                    int cols = Math.min((two ? 2 : 1) * w, d - v * w);
                    for (int r = 0; r < ROWS && k0 + r < d; r++) {
                        int co = (k0 + r) * d + v * w;
                        for (int q = 0; q < cols; q++) {
                            c[co + q] += block[r * 2 * w + q];
                        }
                    }
                }
            }
        }
    }

    /**
     * For r in 0..7: out[o0 + r·ldo + j] = Σ_{t<len} a[a0 + r·aRow + t·aStep] · b[b0 + t·ldb + j], j over one
     * or ({@code two}) two SIMD vectors. The 8 accumulators per vector stay in registers.
     */
    private static void rows8(boolean two, float[] a, int a0, int aRow, int aStep, int len, float[] b, int b0, int ldb,
                              float[] out, int o0, int ldo) {
        if (two) {
            rows8x2(a, a0, aRow, aStep, len, b, b0, ldb, out, o0, ldo);
        } else {
            rows8x1(a, a0, aRow, aStep, len, b, b0, ldb, out, o0, ldo);
        }
    }

    private static void rows8x2(float[] a, int a0, int aRow, int aStep, int len, float[] b, int b0, int ldb,
                                float[] out, int o0, int ldo) {
        int w = SPECIES.length();
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        for (int t = 0; t < len; t++) {
            int bt = b0 + t * ldb;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bt);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bt + w);
            int at = a0 + t * aStep;
            FloatVector v = FloatVector.broadcast(SPECIES, a[at]);
            c00 = v.fma(b0v, c00);
            c01 = v.fma(b1v, c01);
            v = FloatVector.broadcast(SPECIES, a[at + aRow]);
            c10 = v.fma(b0v, c10);
            c11 = v.fma(b1v, c11);
            v = FloatVector.broadcast(SPECIES, a[at + 2 * aRow]);
            c20 = v.fma(b0v, c20);
            c21 = v.fma(b1v, c21);
            v = FloatVector.broadcast(SPECIES, a[at + 3 * aRow]);
            c30 = v.fma(b0v, c30);
            c31 = v.fma(b1v, c31);
            v = FloatVector.broadcast(SPECIES, a[at + 4 * aRow]);
            c40 = v.fma(b0v, c40);
            c41 = v.fma(b1v, c41);
            v = FloatVector.broadcast(SPECIES, a[at + 5 * aRow]);
            c50 = v.fma(b0v, c50);
            c51 = v.fma(b1v, c51);
            v = FloatVector.broadcast(SPECIES, a[at + 6 * aRow]);
            c60 = v.fma(b0v, c60);
            c61 = v.fma(b1v, c61);
            v = FloatVector.broadcast(SPECIES, a[at + 7 * aRow]);
            c70 = v.fma(b0v, c70);
            c71 = v.fma(b1v, c71);
        }
        c00.intoArray(out, o0);
        c01.intoArray(out, o0 + w);
        c10.intoArray(out, o0 + ldo);
        c11.intoArray(out, o0 + ldo + w);
        c20.intoArray(out, o0 + 2 * ldo);
        c21.intoArray(out, o0 + 2 * ldo + w);
        c30.intoArray(out, o0 + 3 * ldo);
        c31.intoArray(out, o0 + 3 * ldo + w);
        c40.intoArray(out, o0 + 4 * ldo);
        c41.intoArray(out, o0 + 4 * ldo + w);
        c50.intoArray(out, o0 + 5 * ldo);
        c51.intoArray(out, o0 + 5 * ldo + w);
        c60.intoArray(out, o0 + 6 * ldo);
        c61.intoArray(out, o0 + 6 * ldo + w);
        c70.intoArray(out, o0 + 7 * ldo);
        c71.intoArray(out, o0 + 7 * ldo + w);
    }

    private static void rows8x1(float[] a, int a0, int aRow, int aStep, int len, float[] b, int b0, int ldb,
                                float[] out, int o0, int ldo) {
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int t = 0; t < len; t++) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, b0 + t * ldb);
            int at = a0 + t * aStep;
            c0 = FloatVector.broadcast(SPECIES, a[at]).fma(bv, c0);
            c1 = FloatVector.broadcast(SPECIES, a[at + aRow]).fma(bv, c1);
            c2 = FloatVector.broadcast(SPECIES, a[at + 2 * aRow]).fma(bv, c2);
            c3 = FloatVector.broadcast(SPECIES, a[at + 3 * aRow]).fma(bv, c3);
            c4 = FloatVector.broadcast(SPECIES, a[at + 4 * aRow]).fma(bv, c4);
            c5 = FloatVector.broadcast(SPECIES, a[at + 5 * aRow]).fma(bv, c5);
            c6 = FloatVector.broadcast(SPECIES, a[at + 6 * aRow]).fma(bv, c6);
            c7 = FloatVector.broadcast(SPECIES, a[at + 7 * aRow]).fma(bv, c7);
        }
        c0.intoArray(out, o0);
        c1.intoArray(out, o0 + ldo);
        c2.intoArray(out, o0 + 2 * ldo);
        c3.intoArray(out, o0 + 3 * ldo);
        c4.intoArray(out, o0 + 4 * ldo);
        c5.intoArray(out, o0 + 5 * ldo);
        c6.intoArray(out, o0 + 6 * ldo);
        c7.intoArray(out, o0 + 7 * ldo);
    }
}
