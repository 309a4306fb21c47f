package io.github.cma4j.core.objective;

import io.github.cma4j.core.head.HeadBatch;
import org.ejml.data.DMatrixRMaj;

/**
 * A domain-generalization training objective for a linear softmax head: cross-entropy plus the algorithm's
 * regularizer, with exact gradients w.r.t. the head and the features.
 * <p>
 * Implementations may keep state across steps (an EMA, group weights, reusable workspaces), so one instance
 * serves one training run on one thread.
 */
public interface DomainObjective {

    /** @return the algorithm's registry name, e.g. {@code "CMA"}. */
    String name();

    /**
     * Evaluates the objective and its gradients at training step {@code step}.
     *
     * @param batch            the minibatch. Not modified.
     * @param W                the head, C×D. Not modified.
     * @param step             the 0-based training step (annealing schedules depend on it).
     * @param featureGradients whether to compute ∂L/∂X̃ too (needed to train a featurizer).
     * @return the value, its parts and the gradients.
     * @throws IllegalArgumentException if W does not fit the batch or is not finite.
     */
    ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients);

    /** Forgets any state carried across steps, as at the start of a new run. Stateless objectives do nothing. */
    default void resetState() {
    }

    /**
     * @return a snapshot of the state carried across steps (an EMA, group weights), for checkpoints and for
     * evaluating at a fixed state; null for stateless objectives. The snapshot is independent of the instance.
     */
    default Object saveState() {
        return null;
    }

    /**
     * Restores a snapshot taken by {@link #saveState()} of an objective of the same class and settings.
     *
     * @param state the snapshot. Not modified.
     * @throws IllegalArgumentException if the snapshot is not one of this objective's.
     */
    default void restoreState(Object state) {
        if (state != null) {
            throw new IllegalArgumentException(name() + " is stateless; cannot restore " + state.getClass().getName());
        }
    }
}
