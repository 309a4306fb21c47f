package io.github.cma4j.core.objective;

import io.github.cma4j.core.head.HeadBatch;
import org.ejml.data.DMatrixRMaj;

import java.util.Map;

/**
 * One penalty R(W, X̃) on a linear softmax head, with its exact gradients: the unit a user adds to their own
 * training loop, and the unit the registry's objectives are composed of (cross-entropy + Σ_t w_t R_t).
 * <p>
 * A regularizer writes weight·∂R into a {@link HeadPass}'s accumulators (∂/∂P, ∂/∂Z and the direct ∂/∂X̃), so
 * several regularizers and the cross-entropy share one forward and one backward pass. {@link #evaluate} runs one
 * alone. Stateful regularizers (Fishr's moving average) keep their state across calls; one instance serves one
 * training run on one thread.
 */
public interface Regularizer {

    /**
     * Computes R and adds {@code weight}·∂R into the pass.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param step   the 0-based training step (stochastic regularizers derive their draws from it).
     * @param weight the weight of R in the objective; its gradient is added scaled by it.
     * @return R, unweighted.
     */
    double addTo(HeadPass pass, long step, double weight);

    /**
     * R alone: its value and its exact gradients w.r.t. the head and, if asked, the features.
     *
     * @param batch            the batch. Not modified.
     * @param W                the head, C×D. Not modified.
     * @param step             the training step.
     * @param featureGradients whether to compute ∂R/∂X̃ too.
     * @return R, ∂R/∂W and ∂R/∂X̃ (null unless asked for).
     */
    default Result evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        HeadPass pass = new HeadPass(batch, W, featureGradients);
        double value = addTo(pass, step, 1.0);
        ObjectiveResult r = pass.finish(value, 0.0, Map.of(), false);
        return new Result(value, r.gradW(), r.gradFeatures());
    }

    /** Forgets any state carried across steps. Stateless regularizers do nothing. */
    default void resetState() {
    }

    /** @return an independent snapshot of the carried state, or null for stateless regularizers. */
    default Object saveState() {
        return null;
    }

    /**
     * @param state a snapshot from {@link #saveState()} of a regularizer of the same class. Not modified.
     * @throws IllegalArgumentException if it is not one.
     */
    default void restoreState(Object state) {
        if (state != null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " is stateless; cannot restore " + state);
        }
    }

    /**
     * A regularizer evaluated alone.
     *
     * @param value        R.
     * @param gradW        ∂R/∂W, C×D.
     * @param gradFeatures ∂R/∂X̃, n×D, or null.
     */
    record Result(double value, DMatrixRMaj gradW, DMatrixRMaj gradFeatures) {
    }
}
