package io.github.cma4j.finetune;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float32 SIMD kernels of {@link GroupNormRelu} (Java's incubating Vector API), loaded only when it runs them. One
 * example at a time: for each SIMD-width block of channels, a loop over the pixels keeps that block's accumulator in a
 * register; each lane sums one channel over the pixels in float32, and the groups' sums over their channels are taken
 * in float64.
 */
final class GroupNormReluVectors {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private GroupNormReluVectors() {
    }

    /** @return whether {@code channels} is a whole number of SIMD vectors. */
    static boolean fits(int channels) {
        return channels % SPECIES.length() == 0;
    }

    static void forward(GroupNormRelu kernel, int e, ByteBuffer a, ByteBuffer xHat, ByteBuffer y, double[] gamma,
                        double[] beta, double epsilon) {
        int channels = kernel.channels;
        int groups = kernel.groups;
        int base = e * kernel.pixels * channels * Float.BYTES;
        float[] lanes = new float[channels];
        for (int v = 0; v < channels; v += SPECIES.length()) {
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int p = 0, at = base + v * Float.BYTES; p < kernel.pixels; p++, at += channels * Float.BYTES) {
                FloatVector relu = FloatVector.fromByteBuffer(SPECIES, a, at, ORDER).max(0f);
                relu.intoByteBuffer(a, at, ORDER);
                sum = sum.add(relu);
            }
            sum.intoArray(lanes, v);
        }
        float[] mean = toFloats(kernel.perChannel(kernel.groupMeans(toDoubles(lanes), null), 0));
        for (int v = 0; v < channels; v += SPECIES.length()) {
            FloatVector mu = FloatVector.fromArray(SPECIES, mean, v);
            FloatVector squares = FloatVector.zero(SPECIES);
            for (int p = 0, at = base + v * Float.BYTES; p < kernel.pixels; p++, at += channels * Float.BYTES) {
                FloatVector centred = FloatVector.fromByteBuffer(SPECIES, a, at, ORDER).sub(mu);
                squares = centred.fma(centred, squares);
            }
            squares.intoArray(lanes, v);
        }
        double[] variance = kernel.groupMeans(toDoubles(lanes), null);
        for (int g = 0; g < groups; g++) {
            kernel.inverseStd[e * groups + g] = 1 / Math.sqrt(variance[g] + epsilon);
        }
        float[] inverse = toFloats(kernel.perChannel(kernel.inverseStd, e * groups));
        float[] scale = toFloats(gamma);
        float[] shift = toFloats(beta);
        for (int v = 0; v < channels; v += SPECIES.length()) {
            FloatVector mu = FloatVector.fromArray(SPECIES, mean, v);
            FloatVector inv = FloatVector.fromArray(SPECIES, inverse, v);
            FloatVector g = FloatVector.fromArray(SPECIES, scale, v);
            FloatVector b = FloatVector.fromArray(SPECIES, shift, v);
            for (int p = 0, at = base + v * Float.BYTES; p < kernel.pixels; p++, at += channels * Float.BYTES) {
                FloatVector normalised = FloatVector.fromByteBuffer(SPECIES, a, at, ORDER).sub(mu).mul(inv);
                normalised.intoByteBuffer(xHat, at, ORDER);
                normalised.fma(g, b).intoByteBuffer(y, at, ORDER);
            }
        }
    }

    static void backward(GroupNormRelu kernel, int e, ByteBuffer dY, ByteBuffer a, ByteBuffer xHat, double[] gamma,
                         ByteBuffer dA, double[] shift, double[] scale) {
        int channels = kernel.channels;
        int base = e * kernel.pixels * channels * Float.BYTES;
        float[] lanesD = new float[channels];
        float[] lanesDX = new float[channels];
        for (int v = 0; v < channels; v += SPECIES.length()) {
            FloatVector sumD = FloatVector.zero(SPECIES);
            FloatVector sumDX = FloatVector.zero(SPECIES);
            for (int p = 0, at = base + v * Float.BYTES; p < kernel.pixels; p++, at += channels * Float.BYTES) {
                FloatVector d = FloatVector.fromByteBuffer(SPECIES, dY, at, ORDER);
                sumD = sumD.add(d);
                sumDX = d.fma(FloatVector.fromByteBuffer(SPECIES, xHat, at, ORDER), sumDX);
            }
            sumD.intoArray(lanesD, v);
            sumDX.intoArray(lanesDX, v);
        }
        double[] sumD = toDoubles(lanesD);
        double[] sumDX = toDoubles(lanesDX);
        for (int c = 0; c < channels; c++) {
            shift[c] += sumD[c];
            scale[c] += sumDX[c];
        }
        float[] meanD = toFloats(kernel.perChannel(kernel.groupMeans(sumD, gamma), 0));
        float[] meanDX = toFloats(kernel.perChannel(kernel.groupMeans(sumDX, gamma), 0));
        float[] inverse = toFloats(kernel.perChannel(kernel.inverseStd, e * kernel.groups));
        float[] scaleF = toFloats(gamma);
        for (int v = 0; v < channels; v += SPECIES.length()) {
            FloatVector g = FloatVector.fromArray(SPECIES, scaleF, v);
            FloatVector md = FloatVector.fromArray(SPECIES, meanD, v);
            FloatVector mdx = FloatVector.fromArray(SPECIES, meanDX, v);
            FloatVector inv = FloatVector.fromArray(SPECIES, inverse, v);
            for (int p = 0, at = base + v * Float.BYTES; p < kernel.pixels; p++, at += channels * Float.BYTES) {
                FloatVector d = FloatVector.fromByteBuffer(SPECIES, dY, at, ORDER).mul(g).sub(md)
                        .sub(FloatVector.fromByteBuffer(SPECIES, xHat, at, ORDER).mul(mdx)).mul(inv);
                FloatVector relu = FloatVector.fromByteBuffer(SPECIES, a, at, ORDER);
                d.blend(0f, relu.compare(VectorOperators.LE, 0f)).intoByteBuffer(dA, at, ORDER);
            }
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
