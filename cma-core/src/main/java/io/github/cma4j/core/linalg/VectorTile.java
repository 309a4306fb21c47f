package io.github.cma4j.core.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 4×4 output tile of {@link TiledOps} with SIMD accumulation along the shared dimension (Java's incubating
 * Vector API). Loaded only when the JVM runs with {@code --add-modules jdk.incubator.vector}; {@link TiledOps} uses
 * the scalar tile otherwise. Measured 2–4× faster than the scalar tile on AVX-512 (docs/performance.md).
 */
final class VectorTile {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

    private VectorTile() {
    }

    /**
     * Fills out[0..16) with the 16 dot products of rows a0..a3 of {@code a} and rows b0..b3 of {@code b} over k.
     */
    static void tile(double[] a, int a0, double[] b, int b0, int k, double[] out) {
        int a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        int b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
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
        DoubleVector[] acc = {c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33};
        for (int idx = 0; idx < 16; idx++) {
            out[idx] = acc[idx].reduceLanes(VectorOperators.ADD);
        }
        int[] rows = {a0, a1, a2, a3};
        int[] cols = {b0, b1, b2, b3};
        for (; t < k; t++) {           // the tail shorter than one vector
            for (int r = 0; r < 4; r++) {
                double x = a[rows[r] + t];
                for (int c = 0; c < 4; c++) {
                    out[r * 4 + c] += x * b[cols[c] + t];
                }
            }
        }
    }
}
