package io.github.cma4j.tribuo.finetune;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * DomainBed's {@code MNIST_CNN} as a SameDiff graph: four 3×3 convolutions (64, 128 with stride 2, 128, 128
 * channels, padding 1), each followed by ReLU and GroupNorm with 8 groups, then global average pooling to a
 * 128-d feature (benchmarks.md §2; DomainBed {@code networks.py}). Inputs are images flattened row-major as
 * channel, row, column. Initialisation follows PyTorch's defaults: convolution weights and biases
 * U(−1/√fan_in, 1/√fan_in), GroupNorm scale 1 and shift 0.
 * <p>
 * Forward and backward run through SameDiff ({@link SameDiffFeaturizer}); the widths are configurable so that
 * tests can check the graph's gradients by finite differences at a small size.
 */
public final class MnistCnnFeaturizer extends SameDiffFeaturizer {
    /** DomainBed's channel widths. */
    public static final int[] DOMAINBED_WIDTHS = {64, 128, 128, 128};
    /** DomainBed's GroupNorm groups. */
    public static final int DOMAINBED_GROUPS = 8;
    private static final double GROUP_NORM_EPSILON = 1e-5;

    private final int channels;
    private final int height;
    private final int width;

    /**
     * DomainBed's network.
     *
     * @param channels input channels (2 for ColoredMNIST, 1 for RotatedMNIST).
     * @param height   image height (28).
     * @param width    image width (28).
     * @param type     DOUBLE for gradient checks, FLOAT for speed.
     * @param seed     initialisation seed.
     */
    public MnistCnnFeaturizer(int channels, int height, int width, DataType type, long seed) {
        this(channels, height, width, DOMAINBED_WIDTHS, DOMAINBED_GROUPS, type, seed);
    }

    /**
     * @param channels input channels.
     * @param height   image height.
     * @param width    image width.
     * @param widths   the four convolutions' output channels (each divisible by {@code groups}).
     * @param groups   GroupNorm groups.
     * @param type     parameter type.
     * @param seed     initialisation seed.
     */
    public MnistCnnFeaturizer(int channels, int height, int width, int[] widths, int groups, DataType type, long seed) {
        super(buildGraph(channels, height, width, widths, groups, type, seed), layerParameterNames(), channels * height * width,
                widths[3], type);
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    private static List<String> layerParameterNames() {
        List<String> names = new ArrayList<>();
        for (int layer = 0; layer < 4; layer++) {
            names.add("conv" + layer + "_w");
            names.add("conv" + layer + "_b");
            names.add("norm" + layer + "_scale");
            names.add("norm" + layer + "_shift");
        }
        return List.copyOf(names);
    }

    private static SameDiff buildGraph(int channels, int height, int width, int[] widths, int groups, DataType type, long seed) {
        if (channels < 1 || height < 2 || width < 2 || widths.length != 4 || groups < 1) {
            throw new IllegalArgumentException("invalid MNIST_CNN shape: " + channels + "×" + height + "×" + width
                    + ", widths " + java.util.Arrays.toString(widths) + ", groups " + groups);
        }
        for (int w : widths) {
            if (w < 1 || w % groups != 0) {
                throw new IllegalArgumentException("every width must be a positive multiple of the " + groups
                        + " groups, got " + java.util.Arrays.toString(widths));
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder(INPUT, type, -1, (long) channels * height * width);
        SDVariable h = x.reshape(-1, channels, height, width);
        int in = channels;
        int rows = height;
        int cols = width;
        for (int layer = 0; layer < 4; layer++) {
            int stride = layer == 1 ? 2 : 1;
            int out = widths[layer];
            double bound = 1 / Math.sqrt(in * 9.0);
            SDVariable w = sd.var("conv" + layer + "_w", uniform(new long[]{3, 3, in, out}, bound, rng, type));   // [kH, kW, in, out]
            SDVariable b = sd.var("conv" + layer + "_b", uniform(new long[]{out}, bound, rng, type));
            Conv2DConfig config = Conv2DConfig.builder().kH(3).kW(3).sH(stride).sW(stride).pH(1).pW(1).dH(1).dW(1)
                    .paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
            h = sd.nn().relu(sd.cnn().conv2d(h, w, b, config), 0);
            rows = (rows + 2 - 3) / stride + 1;
            cols = (cols + 2 - 3) / stride + 1;
            h = groupNorm(sd, h, layer, out, rows, cols, groups, type);
            in = out;
        }
        SDVariable features = h.mean(FEATURES, 2, 3);                      // global average pooling → n × widths[3]
        SDVariable upstream = sd.placeHolder(UPSTREAM, type, -1, widths[3]);
        sd.setLossVariables(features.mul(upstream).sum());
        return sd;
    }

    /** GroupNorm: per example and group, (x − mean)/√(var + ε) over the group's channels and pixels, then γ, β. */
    private static SDVariable groupNorm(SameDiff sd, SDVariable h, int layer, int channels, int rows, int cols, int groups,
                                        DataType type) {
        SDVariable scale = sd.var("norm" + layer + "_scale", Nd4j.ones(type, channels));
        SDVariable shift = sd.var("norm" + layer + "_shift", Nd4j.zeros(type, channels));
        SDVariable grouped = h.reshape(-1, groups, (long) (channels / groups) * rows * cols);
        SDVariable mean = grouped.mean(true, 2);
        SDVariable centred = grouped.sub(mean);
        SDVariable variance = centred.mul(centred).mean(true, 2);
        SDVariable normalised = centred.div(sd.math().sqrt(variance.add(GROUP_NORM_EPSILON)))
                .reshape(-1, channels, rows, cols);
        return normalised.mul(scale.reshape(1, channels, 1, 1)).add(shift.reshape(1, channels, 1, 1));
    }

    /** @return the input images' shape: channels, height, width. */
    public int[] imageShape() {
        return new int[]{channels, height, width};
    }
}
