package io.github.cma4j.finetune;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * DomainBed's {@code MNIST_CNN} as a SameDiff graph: four 3×3 convolutions (64, 128 with stride 2, 128, 128
 * channels, padding 1), each followed by ReLU and GroupNorm with 8 groups, then global average pooling to a
 * 128-d feature (DomainBed {@code networks.py}). Inputs are images flattened row-major as
 * channel, row, column. Initialisation follows PyTorch's defaults: convolution weights and biases
 * U(−1/√fan_in, 1/√fan_in), GroupNorm scale 1 and shift 0.
 * <p>
 * The model is the SameDiff graph ({@link Featurizer}); inference and training run a hand-written pass on the
 * graph's own parameter arrays (ND4J's {@code conv2d}/{@code conv2d_bp} ops, which oneDNN runs, into buffers kept
 * across steps; ReLU and GroupNorm fused, forward and backward in closed form, docs/math.md §14), because SameDiff's
 * autodiff of GroupNorm's composite ops and its per-step allocations were slow (docs/performance.md §4). The two are tested equal, and the widths are
 * configurable so that the graph's gradients can be checked by finite differences at a small size.
 * <pre>
 *   convolution:  Z = W ⋆ X + b                ∂W, ∂b, ∂X from conv2d_bp (first layer: ∂W, ∂b as GEMMs, §14)
 *   ReLU:         A = max(Z, 0)                ∂Z = ∂A ∘ [A &gt; 0]
 *   GroupNorm:    Â = (A − μ)/σ per example and group, σ = √(var + ε);  Y = γ Â + β
 *                 ∂γ = Σ ∂Y∘Â,  ∂β = Σ ∂Y,  ∂A = (∂Â − mean(∂Â) − Â ∘ mean(∂Â ∘ Â)) / σ  with ∂Â = γ ∂Y
 *                 (docs/math.md §14)
 *   pooling:      F = mean over pixels of Y₃    ∂Y₃ = G / pixels
 * </pre>
 */
public final class MnistCnnFeaturizer extends SameDiffFeaturizer {
    /** DomainBed's channel widths. */
    public static final int[] DOMAINBED_WIDTHS = {64, 128, 128, 128};
    /** DomainBed's GroupNorm groups. */
    public static final int DOMAINBED_GROUPS = 8;
    private static final double GROUP_NORM_EPSILON = 1e-5;
    /** {@link #features} runs at most this many rows at once (≈ 1 MB of float32 activations each). */
    static final int FEATURE_CHUNK = 512;
    private static final Logger LOG = Logger.getLogger(MnistCnnFeaturizer.class.getName());
    private static final AtomicBoolean ONE_DNN_WARNED = new AtomicBoolean();

    private final int channels;
    private final int height;
    private final int width;
    private final int[] widths;
    private final int groups;
    // the buffers of the last training batch and of the last inference batch, reused while their sizes stay the same
    private Pass training;
    private final List<Pass> inference = new ArrayList<>(2);

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
        this.widths = widths.clone();
        this.groups = groups;
        if (type == DataType.FLOAT && !ONE_DNN_WARNED.getAndSet(true) && !convolutionsRunOnOneDnn()) {
            LOG.warning("ND4J's natives on this class path are not the oneDNN build (nd4j-native, classifier "
                    + "linux-x86_64-onednn): MNIST_CNN's convolutions run on ND4J's generic kernels, ≈ 5× slower");
        }
    }

    /**
     * @return whether ND4J's natives were built with oneDNN, which then runs the float32 convolutions
     * (docs/performance.md §4).
     */
    public static boolean convolutionsRunOnOneDnn() {
        Nd4j.getBackend();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
    }

    /** DomainBed's second convolution halves the image; the others keep its size. */
    private static int stride(int layer) {
        return layer == 1 ? 2 : 1;
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
            int stride = stride(layer);
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

    @Override
    public INDArray features(INDArray x) {
        Featurizer.checkInput(x, inputWidth());
        long n = x.size(0);
        if (n <= FEATURE_CHUNK) {
            return inferencePass(n).run(x.dataType() == dataType() ? x : x.castTo(dataType())).dup();
        }
        INDArray features = Nd4j.create(dataType(), n, featureWidth());
        for (long from = 0; from < n; from += FEATURE_CHUNK) {
            long to = Math.min(n, from + FEATURE_CHUNK);
            features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())
                    .assign(features(x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())));
        }
        return features;
    }

    /** Evaluation runs fixed-size chunks and one remainder per split: a pass is kept for each of the last two sizes. */
    private Pass inferencePass(long n) {
        Pass pass = inference.stream().filter(p -> p.n == n).findFirst().orElse(null);
        if (pass == null) {
            if (inference.size() == 2) {
                inference.remove(0).close();
            }
            pass = new Pass(n);
            inference.add(pass);
        }
        return pass;
    }

    @Override
    public INDArray forward(INDArray x) {
        Featurizer.checkInput(x, inputWidth());
        if (training == null || training.n != x.size(0)) {
            if (training != null) {
                training.close();
            }
            training = new Pass(x.size(0));
        }
        return training.run(x.dataType() == dataType() ? x : x.castTo(dataType()));
    }

    @Override
    public Map<String, INDArray> backward(INDArray upstream) {
        if (training == null || !training.ran) {
            throw new IllegalStateException("backward before forward");
        }
        if (upstream.rank() != 2 || upstream.size(0) != training.n || upstream.size(1) != featureWidth()) {
            throw new IllegalArgumentException("upstream gradient has shape " + java.util.Arrays.toString(upstream.shape())
                    + ", expected [" + training.n + ", " + featureWidth() + "]");
        }
        return training.backward(upstream.dataType() == dataType() ? upstream : upstream.castTo(dataType()));
    }

    /**
     * The activations of one batch size, allocated once: {@link #run} is the forward pass, {@link #backward} uses
     * what it kept. Activations are NHWC, so that a GroupNorm group is a run of adjacent channels at every pixel
     * ({@link GroupNormRelu}). The convolutions are ND4J's {@code conv2d} and {@code conv2d_bp} ops on the graph's own
     * kernels, which the oneDNN build of ND4J runs as oneDNN primitives (float32; other types take ND4J's generic
     * kernels).
     */
    private final class Pass {
        final long n;
        final int[] rows = new int[5];
        final int[] cols = new int[5];
        final INDArray input;                             // the caller's batch as n × height × width × channels
        INDArray images;                                  // the caller's batch itself, NCHW (the first layer's ∂W reads it)
        final INDArray[] activation = new INDArray[4];    // conv output Z, n × rows' × cols' × out
        final INDArray[] output = new INDArray[4];        // GroupNorm output, same shape
        final GroupNormRelu[] norm = new GroupNormRelu[4];
        final INDArray features;
        boolean ran;
        // backward buffers, allocated on the first backward: ∂ of each layer's input, then ∂Z in place
        INDArray[] dInput;
        FirstLayerGradients firstLayer;
        final Map<String, INDArray> gradients = new LinkedHashMap<>();

        Pass(long n) {
            this.n = n;
            rows[0] = height;
            cols[0] = width;
            input = Nd4j.create(dataType(), n, height, width, channels);
            for (int layer = 0; layer < 4; layer++) {
                int stride = stride(layer);
                rows[layer + 1] = (rows[layer] + 2 - 3) / stride + 1;
                cols[layer + 1] = (cols[layer] + 2 - 3) / stride + 1;
                activation[layer] = Nd4j.create(dataType(), n, rows[layer + 1], cols[layer + 1], widths[layer]);
                output[layer] = activation[layer].ulike();
                norm[layer] = new GroupNormRelu(Math.toIntExact(n), Math.toIntExact(pixels(layer)), widths[layer], groups,
                        dataType() == DataType.FLOAT, GROUP_NORM_EPSILON);
            }
            features = Nd4j.create(dataType(), n, widths[3]);
        }

        /**
         * Frees the off-heap buffers now rather than when the JVM next collects them (≈ 1 MB per float32 row,
         * ≈ 1.5 MB with the backward buffers).
         */
        void close() {
            for (INDArray[] arrays : new INDArray[][]{activation, output, dInput, firstLayer == null ? null : firstLayer.arrays(),
                    gradients.values().toArray(new INDArray[0]), {input, features}}) {
                if (arrays != null) {
                    for (INDArray array : arrays) {
                        if (array != null && array.closeable()) {
                            array.close();
                        }
                    }
                }
            }
        }

        private long pixels(int layer) {
            return (long) rows[layer + 1] * cols[layer + 1];
        }

        /** conv2d's integer arguments: 3×3 kernel, the layer's stride, padding 1, NHWC, kernel as (3, 3, in, out). */
        private int[] convolution(int layer) {
            int stride = stride(layer);
            return new int[]{3, 3, stride, stride, 1, 1, 1, 1, 0, 1, 0};
        }

        INDArray run(INDArray x) {
            images = x.reshape('c', n, channels, height, width);
            input.assign(images.permute(0, 2, 3, 1));
            for (int layer = 0; layer < 4; layer++) {
                INDArray layerInput = layer == 0 ? input : output[layer - 1];
                Nd4j.exec(DynamicCustomOp.builder("conv2d")
                        .addInputs(layerInput, parameter("conv" + layer + "_w"), parameter("conv" + layer + "_b"))
                        .addOutputs(activation[layer]).addIntegerArguments(convolution(layer)).build());
                norm[layer].forward(bytes(activation[layer]), bytes(output[layer]),
                        parameter("norm" + layer + "_scale").toDoubleVector(),
                        parameter("norm" + layer + "_shift").toDoubleVector());
            }
            features.assign(output[3].reshape('c', n, pixels(3), widths[3]).mean(1));
            ran = true;
            return features;
        }

        Map<String, INDArray> backward(INDArray upstream) {
            if (dInput == null) {
                // allocated once: ND4J frees arrays only when the JVM collects them, and a CNN's are large
                dInput = new INDArray[5];
                firstLayer = new FirstLayerGradients();
                for (int layer = 0; layer < 4; layer++) {
                    dInput[layer + 1] = output[layer].ulike();
                }
                for (String name : parameterNames()) {
                    gradients.put(name, parameter(name).ulike());
                }
            }
            // ∂Y₃: G spread evenly over the pixels
            INDArray dOutput = dInput[4].reshape('c', n, pixels(3), widths[3]).assign(0);
            Broadcast.add(dOutput, upstream.div(pixels(3)), dOutput, 0, 2);
            for (int layer = 3; layer >= 0; layer--) {
                double[] dScale = new double[widths[layer]];
                double[] dShift = new double[widths[layer]];
                norm[layer].backward(bytes(dInput[layer + 1]), bytes(activation[layer]),
                        parameter("norm" + layer + "_scale").toDoubleVector(), dScale, dShift);
                gradients.get("norm" + layer + "_scale").assign(Nd4j.createFromArray(dScale).castTo(dataType()));
                gradients.get("norm" + layer + "_shift").assign(Nd4j.createFromArray(dShift).castTo(dataType()));
                if (layer == 0) {
                    firstLayer.compute(dInput[1]);
                    continue;
                }
                Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                        .addInputs(output[layer - 1], parameter("conv" + layer + "_w"), parameter("conv" + layer + "_b"),
                                dInput[layer + 1])
                        .addOutputs(dInput[layer], gradients.get("conv" + layer + "_w"), gradients.get("conv" + layer + "_b"))
                        .addIntegerArguments(convolution(layer)).build());
            }
            Map<String, INDArray> ordered = new LinkedHashMap<>();
            for (String name : parameterNames()) {
                ordered.put(name, gradients.get(name));
            }
            return ordered;
        }

        /**
         * ∂W and ∂b of the first convolution as GEMMs, instead of {@code conv2d_bp}: nobody needs ∂ of the images,
         * which that op always computes, and on the images' few channels its kernels and layout conversions cost
         * more than these two GEMMs (docs/performance.md §4). ∂W = cols(X)·∂Z over all examples and pixels,
         * ∂b = 1ᵀ∂Z.
         */
        private final class FirstLayerGradients {
            final INDArray patches = Nd4j.create(dataType(), n, channels, 3, 3, rows[1], cols[1]);        // im2col
            final INDArray patchRows = Nd4j.create(dataType(), channels * 9L, n, pixels(0));             // (in, 3, 3) × pixels
            final INDArray weights = Nd4j.create(dataType(), channels * 9L, widths[0]);
            final INDArray ones = Nd4j.ones(dataType(), 1, n * pixels(0));
            final INDArray bias = Nd4j.create(dataType(), 1, widths[0]);

            void compute(INDArray dZ) {
                Convolution.im2col(images, 3, 3, stride(0), stride(0), 1, 1, 1, 1, false, patches);
                patchRows.assign(patches.reshape('c', n, channels * 9L, pixels(0)).permute(1, 0, 2));
                INDArray dZRows = dZ.reshape('c', n * pixels(0), widths[0]);
                Nd4j.gemm(patchRows.reshape('c', channels * 9L, n * pixels(0)), dZRows, weights, false, false, 1.0, 0.0);
                // (in, 3, 3) × out as the graph's (3, 3, in, out)
                gradients.get("conv0_w").assign(weights.reshape('c', channels, 3, 3, widths[0]).permute(1, 2, 0, 3));
                Nd4j.gemm(ones, dZRows, bias, false, false, 1.0, 0.0);
                gradients.get("conv0_b").assign(bias.reshape(widths[0]));
            }

            INDArray[] arrays() {
                return new INDArray[]{patches, patchRows, weights, ones, bias};
            }
        }
    }

    /** The off-heap memory of a whole array allocated by this pass (offset 0, row-major), as native-order bytes. */
    private static ByteBuffer bytes(INDArray array) {
        if (array.offset() != 0 || array.ordering() != 'c' || array.isView()) {
            throw new IllegalStateException("expected a whole row-major array, got a view");
        }
        return array.data().asNio().order(ByteOrder.nativeOrder());
    }

    /** @return the input images' shape: channels, height, width. */
    public int[] imageShape() {
        return new int[]{channels, height, width};
    }
}
