package io.github.cma4j.core.linalg;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 products against float64 sums of the same float32 inputs, over shapes that exercise every remainder
 * path (rows not a multiple of 8, an odd number of column vectors, chunks of the Gram sum), on the SIMD kernels
 * (the build runs tests with the Vector API) and the scalar loops.
 */
class FloatProductsTest {
    private final Random rng = new Random(11);

    private float[] random(int length) {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) {
            a[i] = (float) (2 * rng.nextDouble() - 1);
        }
        return a;
    }

    /** Rows of length d with row stride ld = paddedWidth(d), padding zero. */
    private float[] padded(int n, int d) {
        int ld = FloatProducts.paddedWidth(d);
        float[] a = new float[n * ld];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                a[i * ld + j] = (float) (2 * rng.nextDouble() - 1);
            }
        }
        return a;
    }

    @Test
    void paddedWidthIsAWholeNumberOfVectors() {
        assertEquals(16, FloatProducts.paddedWidth(1));
        assertEquals(16, FloatProducts.paddedWidth(16));
        assertEquals(272, FloatProducts.paddedWidth(257));
    }

    @Test
    void multPaddedMatchesAFloat64Product() {
        for (int n : new int[]{1, 7, 8, 19, 64}) {
            for (int d : new int[]{1, 5, 16, 37, 70}) {
                int ld = FloatProducts.paddedWidth(d);
                float[] x = random(n * d);
                float[] p = padded(d, d);
                for (boolean vector : new boolean[]{true, false}) {
                    float[] y = new float[n * ld];
                    Arrays.fill(y, Float.NaN);           // every entry, padding included, must be written
                    if (vector && TiledOps.VECTORIZED) {
                        FloatProducts.multPadded(x, n, d, p, y);
                    } else {
                        FloatProducts.scalarMultPadded(x, n, d, p, ld, y);
                    }
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < ld; j++) {
                            double expected = 0;
                            double magnitude = 0;
                            for (int k = 0; k < d; k++) {
                                expected += (double) x[i * d + k] * p[k * ld + j];
                                magnitude += Math.abs((double) x[i * d + k] * p[k * ld + j]);
                            }
                            assertEquals(expected, y[i * ld + j], 1e-6 * magnitude + 1e-30,
                                    (vector ? "SIMD " : "scalar ") + n + "x" + d + " Y[" + i + "][" + j + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void gramMatchesAFloat64Sum() {
        for (int n : new int[]{1, 9, 256, 257, 700}) {
            for (int d : new int[]{1, 8, 17, 33, 48}) {
                int ld = FloatProducts.paddedWidth(d);
                float[] s = padded(n, d);
                double[] expected = new double[d * d];
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < d; k++) {
                        for (int j = 0; j < d; j++) {
                            expected[k * d + j] += (double) s[i * ld + k] * s[i * ld + j];
                        }
                    }
                }
                double[] c = new double[d * d];
                Arrays.fill(c, Double.NaN);
                FloatProducts.gram(s, n, d, c);
                double[] upper = new double[d * d];
                FloatProducts.scalarGramUpper(s, n, d, ld, upper);
                for (int k = 0; k < d; k++) {
                    for (int j = 0; j < d; j++) {
                        String at = n + "x" + d + " C[" + k + "][" + j + "]";
                        assertEquals(expected[k * d + j], c[k * d + j], 1e-6 * n, at);
                        assertEquals(c[k * d + j], c[j * d + k], 0.0, at + " symmetric");
                        if (j >= k) {
                            assertEquals(expected[k * d + j], upper[k * d + j], 1e-6 * n, "scalar " + at);
                        }
                    }
                }
            }
        }
    }

    /**
     * A long sum of equal terms, where a running float32 sum drifts (here by 1.2e-3 and 2.1e-4 relative at n = 10⁵,
     * once the sum's unit in the last place is no longer small next to a term): the float64 sum across chunks keeps
     * the error at one chunk's, at most ≈ 256·2⁻²⁴ ≈ 1.5e-5 relative, whatever n.
     */
    @Test
    void gramRoundingDoesNotGrowWithTheNumberOfRows() {
        int n = 100_000;
        int d = 3;
        int ld = FloatProducts.paddedWidth(d);
        float[] s = new float[n * ld];
        for (int i = 0; i < n; i++) {
            s[i * ld] = 1f / 3f;
            s[i * ld + 1] = 0.7f;
            s[i * ld + 2] = -1.1f;
        }
        double[] c = new double[d * d];
        FloatProducts.gram(s, n, d, c);
        double[] v = {1f / 3f, 0.7f, -1.1f};
        for (int k = 0; k < d; k++) {
            for (int j = 0; j < d; j++) {
                double exact = n * v[k] * v[j];
                assertTrue(Math.abs(c[k * d + j] - exact) <= 2e-5 * Math.abs(exact),
                        "C[" + k + "][" + j + "] = " + c[k * d + j] + ", exact " + exact);
            }
        }
    }

    @Test
    void dotMatchesAFloat64Sum() {
        for (int len : new int[]{0, 1, 15, 16, 17, 257}) {
            float[] a = random(len + 3);
            float[] b = random(len + 5);
            double expected = 0;
            for (int j = 0; j < len; j++) {
                expected += (double) a[3 + j] * b[5 + j];
            }
            assertEquals(expected, FloatProducts.dot(a, 3, b, 5, len), 1e-6 * Math.max(1, len), "len " + len);
        }
    }

    @Test
    void shortArraysAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FloatProducts.multPadded(new float[10], 2, 5, new float[5 * 16], new float[16]));
        assertTrue(e.getMessage().startsWith("y has 16 entries, needs 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FloatProducts.gram(new float[16], 2, 3, new double[9]));
        assertTrue(e.getMessage().startsWith("s has 16 entries, needs 32"), e.getMessage());
    }
}
