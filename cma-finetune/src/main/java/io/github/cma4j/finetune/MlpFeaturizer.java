package io.github.cma4j.finetune;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The IRM ColoredMNIST featurizer: input → h → h with ReLU after each layer (the IRM script, docs/results.md; the linear head lives
 * with cma-core). Weights are Xavier-uniform, biases 0, drawn from the seed.
 * <p>
 * The model is the SameDiff graph ({@link Featurizer}); training runs a hand-written pass on the graph's own
 * parameter arrays instead of SameDiff's autodiff, because the latter allocates every activation and gradient
 * afresh (docs/performance.md §4 has both timings); five GEMMs into reused buffers do the backward, two more
 * against a row of ones give the bias gradients. The two are tested equal.
 * <pre>
 *   H₁ = relu(X W₀ + b₀),  F = relu(H₁ W₁ + b₁)
 *   D₂ = G ∘ [F &gt; 0],  ∂W₁ = H₁ᵀ D₂,  ∂b₁ = 1ᵀ D₂
 *   D₁ = (D₂ W₁ᵀ) ∘ [H₁ &gt; 0],  ∂W₀ = Xᵀ D₁,  ∂b₀ = 1ᵀ D₁
 * </pre>
 */
public final class MlpFeaturizer extends SameDiffFeaturizer {
    /** Trainable parameters, in order. */
    public static final List<String> PARAMETERS = List.of("w0", "b0", "w1", "b1");

    // activations and gradient buffers of the last training batch, reused while its size stays the same
    private INDArray input;
    private INDArray hidden1;
    private INDArray hidden2;
    private INDArray mask;
    private INDArray delta1;
    private INDArray delta2;
    private INDArray onesRow;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();

    /**
     * @param inputWidth input width (2·14·14 = 392 for the IRM protocol).
     * @param hidden     h (256 by default; the IRM paper used 390).
     * @param type       DOUBLE for gradient checks, FLOAT for speed.
     * @param seed       initialisation seed.
     */
    public MlpFeaturizer(int inputWidth, int hidden, DataType type, long seed) {
        super(buildGraph(inputWidth, hidden, type, seed), PARAMETERS, inputWidth, hidden, type);
    }

    private static SameDiff buildGraph(int inputWidth, int hidden, DataType type, long seed) {
        if (inputWidth < 1 || hidden < 1) {
            throw new IllegalArgumentException("input and hidden widths must be >= 1, got " + inputWidth + ", " + hidden);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        SameDiff graph = SameDiff.create();
        SDVariable x = graph.placeHolder(INPUT, type, -1, inputWidth);
        SDVariable w0 = graph.var("w0", xavier(inputWidth, hidden, rng, type));
        SDVariable b0 = graph.var("b0", Nd4j.zeros(type, hidden));
        SDVariable w1 = graph.var("w1", xavier(hidden, hidden, rng, type));
        SDVariable b1 = graph.var("b1", Nd4j.zeros(type, hidden));
        SDVariable h1 = graph.nn().relu(x.mmul(w0).add(b0), 0);
        SDVariable features = graph.nn().relu(FEATURES, h1.mmul(w1).add(b1), 0);
        SDVariable upstream = graph.placeHolder(UPSTREAM, type, -1, hidden);
        graph.setLossVariables(features.mul(upstream).sum());
        return graph;
    }

    private static INDArray xavier(int fanIn, int fanOut, SplittableRandom rng, DataType type) {
        return uniform(new long[]{fanIn, fanOut}, Math.sqrt(6.0 / (fanIn + fanOut)), rng, type);
    }

    @Override
    public INDArray forward(INDArray x) {
        Featurizer.checkInput(x, inputWidth());
        input = x.dataType() == dataType() ? x : x.castTo(dataType());
        long n = x.size(0);
        int h = featureWidth();
        if (hidden1 == null || hidden1.size(0) != n) {
            hidden1 = Nd4j.create(dataType(), n, h);
            hidden2 = Nd4j.create(dataType(), n, h);
            mask = Nd4j.create(dataType(), n, h);
            delta1 = Nd4j.create(dataType(), n, h);
            delta2 = Nd4j.create(dataType(), n, h);
            onesRow = Nd4j.ones(dataType(), 1, n);
        }
        layer(input, parameter("w0"), parameter("b0"), hidden1);
        layer(hidden1, parameter("w1"), parameter("b1"), hidden2);
        return hidden2;
    }

    /** out = relu(in·w + b), in place. */
    private static void layer(INDArray in, INDArray w, INDArray b, INDArray out) {
        Nd4j.gemm(in, w, out, false, false, 1.0, 0.0);
        out.addiRowVector(b);
        Transforms.relu(out, false);
    }

    @Override
    public Map<String, INDArray> backward(INDArray upstream) {
        if (input == null) {
            throw new IllegalStateException("backward before forward");
        }
        if (upstream.rank() != 2 || upstream.size(0) != input.size(0) || upstream.size(1) != featureWidth()) {
            throw new IllegalArgumentException("upstream gradient has shape " + java.util.Arrays.toString(upstream.shape())
                    + ", expected [" + input.size(0) + ", " + featureWidth() + "]");
        }
        reluMask(hidden2);
        delta2.assign(upstream).muli(mask);
        gradients.put("w1", gemmInto("w1", hidden1, delta2, true, false));
        gradients.put("b1", columnSums("b1", delta2));
        Nd4j.gemm(delta2, parameter("w1"), delta1, false, true, 1.0, 0.0);
        reluMask(hidden1);
        delta1.muli(mask);
        gradients.put("w0", gemmInto("w0", input, delta1, true, false));
        gradients.put("b0", columnSums("b0", delta1));
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        for (String name : PARAMETERS) {
            ordered.put(name, gradients.get(name));
        }
        return ordered;
    }

    /** mask = [activation &gt; 0] (ReLU outputs are ≥ 0, so their sign). */
    private void reluMask(INDArray activation) {
        mask.assign(activation);
        Transforms.sign(mask, false);
    }

    /**
     * ∂b = 1ᵀD as a 1 × n by n × h GEMM into a reused buffer: ND4J's {@code sum(0)} reduces the strided dimension of
     * a row-major array and took 0.06–0.09 s at 50,000 × 256 where the GEMM takes ≈0.015 s (and, blocked, rounds
     * less in float32).
     */
    private INDArray columnSums(String name, INDArray delta) {
        INDArray out = gradientBuffer(name);
        Nd4j.gemm(onesRow, delta, out.reshape(1, out.length()), false, false, 1.0, 0.0);
        return out;
    }

    private INDArray gemmInto(String name, INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        INDArray out = gradientBuffer(name);
        Nd4j.gemm(a, b, out, transposeA, transposeB, 1.0, 0.0);
        return out;
    }

    /** The reused gradient array of a parameter, shaped like it. */
    private INDArray gradientBuffer(String name) {
        return gradients.computeIfAbsent(name, key -> parameter(key).ulike());
    }

    /** @return h. */
    public int hidden() {
        return featureWidth();
    }
}
