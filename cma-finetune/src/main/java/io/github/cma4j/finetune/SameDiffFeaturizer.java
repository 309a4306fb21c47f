package io.github.cma4j.finetune;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Featurizer} run entirely by its SameDiff graph: inference is the graph's output, and the backward pass is
 * SameDiff's autodiff of the surrogate loss Σ F∘G. Subclasses build the graph; a subclass with a faster hand-written
 * pass overrides {@link #forward} and {@link #backward} and is tested against {@link #graphGradients}.
 */
public abstract class SameDiffFeaturizer implements Featurizer {
    private final SameDiff graph;
    private final List<String> parameterNames;
    private final int inputWidth;
    private final int featureWidth;
    private final DataType type;
    private INDArray lastInput;

    /**
     * @param graph          a graph following the {@link Featurizer} contract.
     * @param parameterNames its trainable variables.
     * @param inputWidth     flattened input width.
     * @param featureWidth   feature width.
     * @param type           parameter type.
     */
    protected SameDiffFeaturizer(SameDiff graph, List<String> parameterNames, int inputWidth, int featureWidth, DataType type) {
        this.graph = Objects.requireNonNull(graph);
        this.parameterNames = List.copyOf(parameterNames);
        this.inputWidth = inputWidth;
        this.featureWidth = featureWidth;
        this.type = type;
        for (String name : parameterNames) {
            if (!graph.hasVariable(name)) {
                throw new IllegalArgumentException("the graph has no parameter '" + name + "'");
            }
        }
    }

    /**
     * Values drawn U(−bound, bound) from the generator in row-major order (as doubles, then cast), for initialisation.
     *
     * @param shape the array's shape.
     * @param bound half-width.
     * @param rng   the generator.
     * @param type  the array's type.
     * @return the array.
     */
    protected static INDArray uniform(long[] shape, double bound, java.util.SplittableRandom rng, DataType type) {
        long count = 1;
        for (long size : shape) {
            count *= size;
        }
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (2 * rng.nextDouble() - 1) * bound;
        }
        return org.nd4j.linalg.factory.Nd4j.create(values, shape, DataType.DOUBLE).castTo(type);
    }

    @Override
    public int inputWidth() {
        return inputWidth;
    }

    @Override
    public int featureWidth() {
        return featureWidth;
    }

    @Override
    public List<String> parameterNames() {
        return parameterNames;
    }

    @Override
    public INDArray parameter(String name) {
        if (!parameterNames.contains(name)) {
            throw new IllegalArgumentException("no parameter '" + name + "'; parameters are " + parameterNames);
        }
        return graph.getVariable(name).getArr();
    }

    @Override
    public DataType dataType() {
        return type;
    }

    @Override
    public SameDiff graph() {
        return graph;
    }

    @Override
    public INDArray features(INDArray x) {
        Featurizer.checkInput(x, inputWidth);
        return graph.outputSingle(Map.of(INPUT, x.castTo(type)), FEATURES);
    }

    @Override
    public INDArray forward(INDArray x) {
        INDArray f = features(x);
        lastInput = x;
        return f;
    }

    @Override
    public Map<String, INDArray> backward(INDArray upstream) {
        if (lastInput == null) {
            throw new IllegalStateException("backward before forward");
        }
        return graphGradients(lastInput, upstream);
    }

    /**
     * SameDiff's autodiff of the surrogate: the reference gradients.
     *
     * @param x        inputs, n × input width.
     * @param upstream ∂L/∂F, n × feature width.
     * @return parameter name → ∂L/∂parameter.
     */
    public Map<String, INDArray> graphGradients(INDArray x, INDArray upstream) {
        Featurizer.checkInput(x, inputWidth);
        if (upstream.rank() != 2 || upstream.size(0) != x.size(0) || upstream.size(1) != featureWidth) {
            throw new IllegalArgumentException("upstream gradient has shape " + java.util.Arrays.toString(upstream.shape())
                    + ", expected [" + x.size(0) + ", " + featureWidth + "]");
        }
        return QuietSameDiff.run(() -> graph.calculateGradients(
                Map.of(INPUT, x.castTo(type), UPSTREAM, upstream.castTo(type)), parameterNames));
    }
}
