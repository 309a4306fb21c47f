package io.github.cma4j.finetune;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float32 SIMD kernels of {@link GroupNormRelu} (Java's incubating Vector API), loaded only when it runs them. One
 * example at a time, in memory order (pixel by pixel, each pixel's channels a SIMD vector at a time: walking one
 * channel block down the pixels instead reads memory with a stride and ran 3× slower). Per-channel sums accumulate
 * in float32 lanes of a small array that stays in L1; the groups' sums over their channels are taken in float64.
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

    static void forward(GroupNormRelu kernel, int e, ByteBuffer z, ByteBuffer y, double[] gamma, double[] beta,
                        double epsilon) {
        int channels = kernel.channels;
        int groups = kernel.groups;
        int base = e * kernel.pixels * channels * Float.BYTES;
        int end = base + kernel.pixels * channels * Float.BYTES;
        int lanes = SPECIES.length();
        float[] sums = new float[channels];
        for (int at = base; at < end; ) {
            for (int v = 0; v < channels; v += lanes, at += lanes * Float.BYTES) {
                FloatVector relu = FloatVector.fromByteBuffer(SPECIES, z, at, ORDER).max(0f);
                FloatVector.fromArray(SPECIES, sums, v).add(relu).intoArray(sums, v);
            }
        }
        System.arraycopy(kernel.groupMeans(toDoubles(sums), null), 0, kernel.mean, e * groups, groups);
        float[] mean = toFloats(kernel.perChannel(kernel.mean, e * groups));
        float[] squares = new float[channels];
        for (int at = base; at < end; ) {
            for (int v = 0; v < channels; v += lanes, at += lanes * Float.BYTES) {
                FloatVector centred = FloatVector.fromByteBuffer(SPECIES, z, at, ORDER).max(0f)
                        .sub(FloatVector.fromArray(SPECIES, mean, v));
                centred.fma(centred, FloatVector.fromArray(SPECIES, squares, v)).intoArray(squares, v);
            }
        }
        double[] variance = kernel.groupMeans(toDoubles(squares), null);
        for (int g = 0; g < groups; g++) {
            kernel.inverseStd[e * groups + g] = 1 / Math.sqrt(variance[g] + epsilon);
        }
        // Y = (A − μ)·(γ/σ) + β
        float[] inverse = toFloats(kernel.perChannel(kernel.inverseStd, e * groups));
        float[] scale = toFloats(gamma);
        for (int c = 0; c < channels; c++) {
            scale[c] *= inverse[c];
        }
        float[] shift = toFloats(beta);
        for (int at = base; at < end; ) {
            for (int v = 0; v < channels; v += lanes, at += lanes * Float.BYTES) {
                FloatVector.fromByteBuffer(SPECIES, z, at, ORDER).max(0f).sub(FloatVector.fromArray(SPECIES, mean, v))
                        .fma(FloatVector.fromArray(SPECIES, scale, v), FloatVector.fromArray(SPECIES, shift, v))
                        .intoByteBuffer(y, at, ORDER);
            }
        }
    }

    static void backward(GroupNormRelu kernel, int e, ByteBuffer dY, ByteBuffer z, double[] gamma, double[] shift,
                         double[] scale) {
        int channels = kernel.channels;
        int groups = kernel.groups;
        int base = e * kernel.pixels * channels * Float.BYTES;
        int end = base + kernel.pixels * channels * Float.BYTES;
        int lanes = SPECIES.length();
        float[] mean = toFloats(kernel.perChannel(kernel.mean, e * groups));
        float[] inverse = toFloats(kernel.perChannel(kernel.inverseStd, e * groups));
        float[] sumD = new float[channels];        // S_c
        float[] sumDX = new float[channels];       // T_c
        for (int at = base; at < end; ) {
            for (int v = 0; v < channels; v += lanes, at += lanes * Float.BYTES) {
                FloatVector d = FloatVector.fromByteBuffer(SPECIES, dY, at, ORDER);
                FloatVector xHat = FloatVector.fromByteBuffer(SPECIES, z, at, ORDER).max(0f)
                        .sub(FloatVector.fromArray(SPECIES, mean, v)).mul(FloatVector.fromArray(SPECIES, inverse, v));
                FloatVector.fromArray(SPECIES, sumD, v).add(d).intoArray(sumD, v);
                d.fma(xHat, FloatVector.fromArray(SPECIES, sumDX, v)).intoArray(sumDX, v);
            }
        }
        double[] s = toDoubles(sumD);
        double[] t = toDoubles(sumDX);
        for (int c = 0; c < channels; c++) {
            shift[c] += s[c];
            scale[c] += t[c];
        }
        // ∂Z = [Z > 0] (γ ∂Y − D − Â·DX)/σ = [Z > 0] (∂Y·(γ/σ) − (D + (A − μ)·DX/σ)/σ)
        float[] meanD = toFloats(kernel.perChannel(kernel.groupMeans(s, gamma), 0));
        float[] meanDX = toFloats(kernel.perChannel(kernel.groupMeans(t, gamma), 0));
        float[] gain = toFloats(gamma);
        for (int c = 0; c < channels; c++) {
            gain[c] *= inverse[c];
            meanD[c] *= inverse[c];
            meanDX[c] *= inverse[c] * inverse[c];
        }
        for (int at = base; at < end; ) {
            for (int v = 0; v < channels; v += lanes, at += lanes * Float.BYTES) {
                FloatVector pre = FloatVector.fromByteBuffer(SPECIES, z, at, ORDER);
                FloatVector centred = pre.max(0f).sub(FloatVector.fromArray(SPECIES, mean, v));
                FloatVector d = FloatVector.fromByteBuffer(SPECIES, dY, at, ORDER).mul(FloatVector.fromArray(SPECIES, gain, v))
                        .sub(centred.fma(FloatVector.fromArray(SPECIES, meanDX, v), FloatVector.fromArray(SPECIES, meanD, v)));
                d.blend(0f, pre.compare(VectorOperators.LE, 0f)).intoByteBuffer(dY, at, ORDER);
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
