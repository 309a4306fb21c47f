package io.github.cma4j.finetune;

import io.github.cma4j.core.linalg.Parallelism;
import io.github.cma4j.core.linalg.TiledOps;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * ReLU followed by GroupNorm, forward and backward, fused over NHWC activations (docs/math.md §14): each example's
 * pixels × channels block is read a few times while it sits in cache, instead of once per ND4J op. Per example
 * {@code e}, pixel {@code p} and channel {@code c}, element {@code (e·pixels + p)·channels + c} of a buffer; a group
 * is {@code channels/groups} adjacent channels. Buffers are ND4J's off-heap arrays seen as native-order
 * {@link ByteBuffer}s holding float32 or float64. Float32 runs the SIMD kernels of {@link GroupNormReluVectors}
 * when {@link TiledOps#VECTORIZED} and the channels are a whole number of SIMD vectors; otherwise the scalar loops
 * here run, which accumulate in float64 (the reference the tests hold the SIMD kernels to).
 * <p>
 * Examples run in blocks of {@link #BLOCK}, in parallel on the common fork-join pool unless
 * {@code -Dcma4j.parallel=false} ({@link Parallelism#ENABLED}); ∂γ and ∂β are summed per block and then over the
 * blocks in order, so the result does not depend on the number of threads.
 */
final class GroupNormRelu {
    static final int BLOCK = 16;

    final int n;
    final int pixels;
    final int channels;
    final int groups;
    final boolean isFloat;
    private final double epsilon;
    private final boolean vectorized;
    /** μ and 1/σ per example and group, n × groups: the forward writes them, the backward reads them. */
    final double[] mean;
    final double[] inverseStd;
    private final double[][] blockShift;   // ∂β per block of examples
    private final double[][] blockScale;   // ∂γ per block of examples

    GroupNormRelu(int n, int pixels, int channels, int groups, boolean isFloat, double epsilon) {
        this(n, pixels, channels, groups, isFloat, epsilon, TiledOps.VECTORIZED);
    }

    /** @param allowVectors false for the scalar loops even where the SIMD kernels could run (tests). */
    GroupNormRelu(int n, int pixels, int channels, int groups, boolean isFloat, double epsilon, boolean allowVectors) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels are not a multiple of " + groups + " groups");
        }
        if ((long) n * pixels * channels * (isFloat ? Float.BYTES : Double.BYTES) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + n + " examples of " + pixels + " × " + channels
                    + " activations passes 2 GiB per layer; use smaller batches");
        }
        this.n = n;
        this.pixels = pixels;
        this.channels = channels;
        this.groups = groups;
        this.isFloat = isFloat;
        this.epsilon = epsilon;
        this.vectorized = isFloat && allowVectors && GroupNormReluVectors.fits(channels);
        this.mean = new double[n * groups];
        this.inverseStd = new double[n * groups];
        int blocks = (n + BLOCK - 1) / BLOCK;
        this.blockShift = new double[blocks][channels];
        this.blockScale = new double[blocks][channels];
    }

    /** @return whether the SIMD kernels run. */
    boolean vectorized() {
        return vectorized;
    }

    /**
     * Y = γÂ + β with A = max(Z, 0) and Â = (A − μ)/σ per example and group. Neither A nor Â is stored: the backward
     * recomputes them from Z, which costs less than writing them and reading them back.
     *
     * @param z     conv output, n × pixels × channels, kept for the backward.
     * @param y     Y, same shape.
     * @param gamma γ, one per channel.
     * @param beta  β, one per channel.
     */
    void forward(ByteBuffer z, ByteBuffer y, double[] gamma, double[] beta) {
        check(z, y);
        forEachBlock(block -> {
            for (int e = block * BLOCK; e < Math.min(n, (block + 1) * BLOCK); e++) {
                if (vectorized) {
                    GroupNormReluVectors.forward(this, e, z, y, gamma, beta, epsilon);
                } else {
                    forwardExample(e, z, y, gamma, beta);
                }
            }
        });
    }

    /**
     * ∂Z of the forward above, in place of ∂Y, and ∂γ, ∂β summed over the examples.
     *
     * @param dY     ∂Y, n × pixels × channels; holds ∂Z afterwards.
     * @param z      the forward's conv output.
     * @param gamma  γ.
     * @param dGamma ∂γ, written.
     * @param dBeta  ∂β, written.
     */
    void backward(ByteBuffer dY, ByteBuffer z, double[] gamma, double[] dGamma, double[] dBeta) {
        check(dY, z);
        forEachBlock(block -> {
            Arrays.fill(blockShift[block], 0);
            Arrays.fill(blockScale[block], 0);
            for (int e = block * BLOCK; e < Math.min(n, (block + 1) * BLOCK); e++) {
                if (vectorized) {
                    GroupNormReluVectors.backward(this, e, dY, z, gamma, blockShift[block], blockScale[block]);
                } else {
                    backwardExample(e, dY, z, gamma, blockShift[block], blockScale[block]);
                }
            }
        });
        Arrays.fill(dGamma, 0);
        Arrays.fill(dBeta, 0);
        for (int block = 0; block < blockShift.length; block++) {
            for (int c = 0; c < channels; c++) {
                dBeta[c] += blockShift[block][c];
                dGamma[c] += blockScale[block][c];
            }
        }
    }

    private void forEachBlock(IntConsumer body) {
        IntStream blocks = IntStream.range(0, blockShift.length);
        (Parallelism.ENABLED ? blocks.parallel() : blocks).forEach(body);
    }

    private void check(ByteBuffer... buffers) {
        long bytes = (long) n * pixels * channels * (isFloat ? Float.BYTES : Double.BYTES);
        for (ByteBuffer buffer : buffers) {
            if (buffer.capacity() < bytes) {
                throw new IllegalArgumentException("buffer of " + buffer.capacity() + " bytes, expected " + bytes
                        + " (" + n + " × " + pixels + " × " + channels + ")");
            }
        }
    }

    /** Each channel's group's value: {@code perGroup[from + c/(channels/groups)]} for channel c. */
    double[] perChannel(double[] perGroup, int from) {
        double[] values = new double[channels];
        int width = channels / groups;
        for (int c = 0; c < channels; c++) {
            values[c] = perGroup[from + c / width];
        }
        return values;
    }

    /** Σ over each group's channels of {@code perChannel}, divided by the group's size (its channels × pixels). */
    double[] groupMeans(double[] perChannel, double[] weights) {
        double[] means = new double[groups];
        int width = channels / groups;
        for (int c = 0; c < channels; c++) {
            means[c / width] += weights == null ? perChannel[c] : weights[c] * perChannel[c];
        }
        for (int g = 0; g < groups; g++) {
            means[g] /= (double) width * pixels;
        }
        return means;
    }

    private double get(ByteBuffer buffer, int index) {
        return isFloat ? buffer.getFloat(index * Float.BYTES) : buffer.getDouble(index * Double.BYTES);
    }

    private void put(ByteBuffer buffer, int index, double value) {
        if (isFloat) {
            buffer.putFloat(index * Float.BYTES, (float) value);
        } else {
            buffer.putDouble(index * Double.BYTES, value);
        }
    }

    private void forwardExample(int e, ByteBuffer z, ByteBuffer y, double[] gamma, double[] beta) {
        int base = e * pixels * channels;
        int end = base + pixels * channels;
        double[] sums = new double[channels];
        for (int i = base; i < end; i++) {
            sums[(i - base) % channels] += Math.max(get(z, i), 0);
        }
        System.arraycopy(groupMeans(sums, null), 0, mean, e * groups, groups);
        double[] mu = perChannel(mean, e * groups);
        double[] squares = new double[channels];
        for (int i = base; i < end; i++) {
            int c = (i - base) % channels;
            double centred = Math.max(get(z, i), 0) - mu[c];
            squares[c] += centred * centred;
        }
        double[] variance = groupMeans(squares, null);
        for (int g = 0; g < groups; g++) {
            inverseStd[e * groups + g] = 1 / Math.sqrt(variance[g] + epsilon);
        }
        double[] inverse = perChannel(inverseStd, e * groups);
        for (int i = base; i < end; i++) {
            int c = (i - base) % channels;
            put(y, i, gamma[c] * (Math.max(get(z, i), 0) - mu[c]) * inverse[c] + beta[c]);
        }
    }

    private void backwardExample(int e, ByteBuffer dY, ByteBuffer z, double[] gamma, double[] shift, double[] scale) {
        int base = e * pixels * channels;
        int end = base + pixels * channels;
        double[] mu = perChannel(mean, e * groups);
        double[] inverse = perChannel(inverseStd, e * groups);
        double[] sumD = new double[channels];       // S_c = Σ_p ∂Y
        double[] sumDX = new double[channels];      // T_c = Σ_p ∂Y Â
        for (int i = base; i < end; i++) {
            int c = (i - base) % channels;
            double d = get(dY, i);
            sumD[c] += d;
            sumDX[c] += d * (Math.max(get(z, i), 0) - mu[c]) * inverse[c];
        }
        for (int c = 0; c < channels; c++) {
            shift[c] += sumD[c];
            scale[c] += sumDX[c];
        }
        double[] md = perChannel(groupMeans(sumD, gamma), 0);
        double[] mdx = perChannel(groupMeans(sumDX, gamma), 0);
        for (int i = base; i < end; i++) {
            int c = (i - base) % channels;
            double pre = get(z, i);
            double value = pre > 0
                    ? (gamma[c] * get(dY, i) - md[c] - (pre - mu[c]) * inverse[c] * mdx[c]) * inverse[c]
                    : 0;
            put(dY, i, value);
        }
    }
}
