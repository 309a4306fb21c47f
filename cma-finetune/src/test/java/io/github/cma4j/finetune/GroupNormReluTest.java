package io.github.cma4j.finetune;

import io.github.cma4j.core.linalg.TiledOps;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupNormReluTest {
    private static final int N = 37;          // two blocks of examples and a part
    private static final double EPSILON = 1e-5;

    /** Inputs and outputs of one forward and backward. */
    private static final class Run {
        final ByteBuffer z, y, dZ;
        final double[] dGamma, dBeta;

        Run(GroupNormRelu kernel, double[] input, double[] upstream, double[] gamma, double[] beta) {
            z = buffer(kernel, input);
            y = buffer(kernel, new double[input.length]);
            dZ = buffer(kernel, upstream);
            dGamma = new double[gamma.length];
            dBeta = new double[gamma.length];
            kernel.forward(z, y, gamma, beta);
            kernel.backward(dZ, z, gamma, dGamma, dBeta);
        }
    }

    private static ByteBuffer buffer(GroupNormRelu kernel, double[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * (kernel.isFloat ? 4 : 8)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < values.length; i++) {
            if (kernel.isFloat) {
                b.putFloat(4 * i, (float) values[i]);
            } else {
                b.putDouble(8 * i, values[i]);
            }
        }
        return b;
    }

    private static double get(ByteBuffer b, boolean isFloat, int i) {
        return isFloat ? b.getFloat(4 * i) : b.getDouble(8 * i);
    }

    private static double[] floats(double[] values) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) out[i];
        }
        return out;
    }

    @Test
    void float32KernelsEqualTheFloat64ScalarLoops() {
        for (int channels : new int[]{64, 128, 24}) {
            int pixels = 49;
            int groups = 8;
            Random rng = new Random(channels);
            int size = N * pixels * channels;
            double[] input = floats(rng.doubles(size, -1, 2).toArray());
            double[] upstream = floats(rng.doubles(size, -1, 1).toArray());
            double[] gamma = floats(rng.doubles(channels, 0.5, 1.5).toArray());
            double[] beta = floats(rng.doubles(channels, -0.5, 0.5).toArray());
            GroupNormRelu reference = new GroupNormRelu(N, pixels, channels, groups, false, EPSILON, false);
            Run expected = new Run(reference, input, upstream, gamma, beta);
            for (boolean vectors : new boolean[]{false, true}) {
                GroupNormRelu kernel = new GroupNormRelu(N, pixels, channels, groups, true, EPSILON, vectors);
                if (vectors && channels != 24) {
                    assertEquals(TiledOps.VECTORIZED, kernel.vectorized(), "SIMD kernels at " + channels + " channels");
                }
                Run actual = new Run(kernel, input, upstream, gamma, beta);
                String where = channels + " channels, SIMD " + kernel.vectorized();
                assertClose(expected.z, actual.z, size, 0, where + ": Z, unchanged");
                assertClose(expected.y, actual.y, size, 1e-5, where + ": Y");
                assertClose(expected.dZ, actual.dZ, size, 1e-5, where + ": ∂Z");
                for (int c = 0; c < channels; c++) {
                    assertEquals(expected.dGamma[c], actual.dGamma[c], 1e-5 * N * pixels, where + ": ∂γ " + c);
                    assertEquals(expected.dBeta[c], actual.dBeta[c], 1e-5 * N * pixels, where + ": ∂β " + c);
                }
            }
        }
    }

    private static void assertClose(ByteBuffer expected, ByteBuffer actual, int size, double tolerance, String what) {
        double scale = 0;
        double gap = 0;
        for (int i = 0; i < size; i++) {
            double e = get(expected, false, i);
            scale = Math.max(scale, Math.abs(e));
            gap = Math.max(gap, Math.abs(e - get(actual, true, i)));
        }
        assertTrue(gap <= tolerance * scale, what + ": max gap " + gap + " of " + scale);
    }
}
