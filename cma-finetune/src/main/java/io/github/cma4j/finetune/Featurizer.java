package io.github.cma4j.finetune;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * A trainable featurizer x ↦ F for fine-tuning: a SameDiff graph whose output {@link #FEATURES} is computed from the
 * placeholder {@link #INPUT} (n × input width, images flattened row-major as channel, row, column), and whose loss is
 * the surrogate Σ F∘G with G = ∂L/∂F fed through the placeholder {@link #UPSTREAM}. The gradient of that surrogate
 * w.r.t. the parameters is exactly the chain rule of L through F, so cma-core's closed-form ∂L/∂F is backpropagated
 * with one ordinary backward pass — no double backpropagation, whatever the penalty.
 * <p>
 * Training calls {@link #forward} then {@link #backward} on the same batch; implementations may reuse the arrays
 * they return from one call to the next (the caller copies what it keeps).
 */
public interface Featurizer {
    /** Input placeholder of the graph. */
    String INPUT = "x";
    /** Placeholder for ∂L/∂F. */
    String UPSTREAM = "dLdF";
    /** The features output of the graph. */
    String FEATURES = "features";

    /** @return the width of one flattened input row. */
    int inputWidth();

    /** @return the feature width h (the head sees [F | 1]). */
    int featureWidth();

    /** @return the trainable parameters' names, in a fixed order. */
    List<String> parameterNames();

    /** @return the live parameter array of that name (updated in place by the optimiser). */
    INDArray parameter(String name);

    /** @return the parameters' and activations' type (DOUBLE for gradient checks, FLOAT for speed). */
    DataType dataType();

    /** @return the graph: the model that is saved, and the reference the fast paths are tested against. */
    SameDiff graph();

    /**
     * Inference.
     *
     * @param x inputs, n × {@link #inputWidth()}.
     * @return F, n × {@link #featureWidth()}.
     */
    INDArray features(INDArray x);

    /**
     * Training forward pass: F for x, remembering what {@link #backward} needs.
     *
     * @param x inputs, n × {@link #inputWidth()}.
     * @return F (may be overwritten by the next call).
     */
    INDArray forward(INDArray x);

    /**
     * Backpropagates ∂L/∂F of the last {@link #forward} batch into the parameters.
     *
     * @param upstream ∂L/∂F, n × {@link #featureWidth()}.
     * @return parameter name → ∂L/∂parameter (may be overwritten by the next call).
     */
    Map<String, INDArray> backward(INDArray upstream);

    /**
     * Checks an input batch's shape.
     *
     * @param x     the batch.
     * @param width the expected row width.
     * @throws IllegalArgumentException naming the shape found and the one expected.
     */
    static void checkInput(INDArray x, int width) {
        if (x.rank() != 2 || x.size(1) != width) {
            throw new IllegalArgumentException("input has shape " + java.util.Arrays.toString(x.shape())
                    + ", expected [n, " + width + "]");
        }
    }
}
