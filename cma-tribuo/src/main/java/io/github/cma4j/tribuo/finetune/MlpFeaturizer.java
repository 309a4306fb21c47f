package io.github.cma4j.tribuo.finetune;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The IRM ColoredMNIST featurizer as a SameDiff graph: input → h → h with ReLU after each layer (benchmarks.md
 * §3; the linear head lives with cma-core). Weights are Xavier-uniform, biases 0, drawn from the seed.
 * <p>
 * The graph's loss is the surrogate Σ F∘G, with G = ∂L/∂F fed in as a placeholder: its gradient w.r.t. the
 * featurizer's parameters is exactly the chain rule of L through F, so cma-core's closed-form ∂L/∂F is
 * backpropagated with one ordinary backward pass — no double backpropagation, whatever the penalty.
 */
public final class MlpFeaturizer {
    /** Input placeholder. */
    public static final String INPUT = "x";
    /** Placeholder for ∂L/∂F. */
    public static final String UPSTREAM = "dLdF";
    /** The features output. */
    public static final String FEATURES = "features";
    /** Trainable parameters, in order. */
    public static final List<String> PARAMETERS = List.of("w0", "b0", "w1", "b1");

    private final SameDiff graph;
    private final int inputDim;
    private final int hidden;
    private final DataType type;

    /**
     * @param inputDim input width (2·14·14 = 392 for the IRM protocol).
     * @param hidden   h (256 by default; the IRM paper used 390).
     * @param type     DOUBLE for gradient checks, FLOAT for speed.
     * @param seed     initialisation seed.
     */
    public MlpFeaturizer(int inputDim, int hidden, DataType type, long seed) {
        if (inputDim < 1 || hidden < 1) {
            throw new IllegalArgumentException("input and hidden widths must be >= 1, got " + inputDim + ", " + hidden);
        }
        this.inputDim = inputDim;
        this.hidden = hidden;
        this.type = type;
        SplittableRandom rng = new SplittableRandom(seed);
        graph = SameDiff.create();
        SDVariable x = graph.placeHolder(INPUT, type, -1, inputDim);
        SDVariable w0 = graph.var("w0", xavier(inputDim, hidden, rng, type));
        SDVariable b0 = graph.var("b0", Nd4j.zeros(type, hidden));
        SDVariable w1 = graph.var("w1", xavier(hidden, hidden, rng, type));
        SDVariable b1 = graph.var("b1", Nd4j.zeros(type, hidden));
        SDVariable h1 = graph.nn().relu(x.mmul(w0).add(b0), 0);
        SDVariable features = graph.nn().relu(FEATURES, h1.mmul(w1).add(b1), 0);
        SDVariable upstream = graph.placeHolder(UPSTREAM, type, -1, hidden);
        graph.setLossVariables(features.mul(upstream).sum());
    }

    private static INDArray xavier(int fanIn, int fanOut, SplittableRandom rng, DataType type) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        double[] values = new double[fanIn * fanOut];
        for (int i = 0; i < values.length; i++) {
            values[i] = (2 * rng.nextDouble() - 1) * bound;
        }
        return Nd4j.create(values, new long[]{fanIn, fanOut}, DataType.DOUBLE).castTo(type);
    }

    /** @return F = featurizer(x), n × h. */
    public INDArray features(INDArray x) {
        checkInput(x);
        return graph.outputSingle(Map.of(INPUT, x), FEATURES);
    }

    /**
     * Backpropagates a gradient w.r.t. the features into the parameters.
     *
     * @param x        the inputs, n × input width.
     * @param upstream ∂L/∂F, n × h.
     * @return parameter name → ∂L/∂parameter.
     */
    public Map<String, INDArray> parameterGradients(INDArray x, INDArray upstream) {
        checkInput(x);
        return QuietSameDiff.run(() -> graph.calculateGradients(Map.of(INPUT, x, UPSTREAM, upstream.castTo(type)), PARAMETERS));
    }

    /** @return the live parameter array of that name. */
    public INDArray parameter(String name) {
        return graph.getVariable(name).getArr();
    }

    /** @return h. */
    public int hidden() {
        return hidden;
    }

    /** @return the graph (for saving and for tests). */
    public SameDiff graph() {
        return graph;
    }

    private void checkInput(INDArray x) {
        if (x.rank() != 2 || x.size(1) != inputDim) {
            throw new IllegalArgumentException("input has shape " + java.util.Arrays.toString(x.shape())
                    + ", expected [n, " + inputDim + "]");
        }
    }
}
