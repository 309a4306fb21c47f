package io.github.cma4j.tribuo;

import org.tribuo.classification.sgd.linear.LinearSGDModel;

import java.util.Optional;

/**
 * Training stopped because it diverged: the objective or the weights became non-finite, the objective grew by
 * orders of magnitude, or it reached a size at which float64 training is meaningless. It names the step and the
 * reason, and carries the model of the last step whose weights were finite, for a caller who asks to keep it.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private final long step;
    private final String reason;
    private final transient LinearSGDModel lastFiniteModel;

    /**
     * @param algorithm       the algorithm that was training.
     * @param step            the 0-based step at which divergence was detected.
     * @param reason          what was seen.
     * @param lastFiniteModel the model before that step, or null when there was none.
     */
    public TrainingDivergedException(String algorithm, long step, String reason, LinearSGDModel lastFiniteModel) {
        super(algorithm + " diverged at step " + step + ": " + reason + "; lower the learning rate or the penalty weights"
                + " (or standardise the features)");
        this.step = step;
        this.reason = reason;
        this.lastFiniteModel = lastFiniteModel;
    }

    /** @return the 0-based step at which divergence was detected. */
    public long step() {
        return step;
    }

    /** @return what was seen. */
    public String reason() {
        return reason;
    }

    /** @return the model of the last step with finite weights (empty if it diverged at the first step). */
    public Optional<LinearSGDModel> lastFiniteModel() {
        return Optional.ofNullable(lastFiniteModel);
    }
}
