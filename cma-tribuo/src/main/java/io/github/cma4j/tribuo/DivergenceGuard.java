package io.github.cma4j.tribuo;

import io.github.cma4j.core.objective.ObjectiveResult;

import java.util.Map;

/**
 * Decides when a training run has diverged (docs/reliability.md): the objective or one of its terms is not finite;
 * the objective is larger than {@link #ABSOLUTE_LIMIT}; or it grew more than {@link #GROWTH_LIMIT}-fold over its
 * value at the first step of the current weight regime (the run's first step, or the step where the optimiser was
 * reset because a penalty's weight changed).
 */
public final class DivergenceGuard {
    /** Objective values above this are not trained meaningfully in float64 (gradients of that size swamp everything). */
    public static final double ABSOLUTE_LIMIT = 1e15;
    /** Growth of the objective that counts as divergence within one weight regime. */
    public static final double GROWTH_LIMIT = 1e4;

    private double reference = Double.NaN;

    /**
     * @param result the objective at this step.
     * @return null if the step looks sound, else the reason it diverged.
     */
    public String check(ObjectiveResult result) {
        double value = result.value();
        if (!Double.isFinite(value)) {
            return "the objective is " + value;
        }
        for (Map.Entry<String, Double> term : result.terms().entrySet()) {
            if (!Double.isFinite(term.getValue())) {
                return "its term " + term.getKey() + " is " + term.getValue();
            }
        }
        if (Math.abs(value) > ABSOLUTE_LIMIT) {
            return "the objective is " + value + ", above " + ABSOLUTE_LIMIT;
        }
        if (Double.isNaN(reference) || result.resetOptimizer()) {
            reference = value;
        } else if (value > GROWTH_LIMIT * Math.max(1.0, Math.abs(reference))) {
            return "the objective grew from " + reference + " to " + value;
        }
        return null;
    }
}
