package io.github.cma4j.core.objective;

import io.github.cma4j.core.hparam.Hyperparameters;

import java.util.function.ToDoubleFunction;

/**
 * One weighted penalty of a registered algorithm: what it is called in the objective's terms, which
 * hyperparameters set its weight and warm-up, and how to build it. Registry-driven code (tests, the command line,
 * the protocol experiments) reads these instead of switching on algorithm names.
 *
 * @param term         name of R's value in {@link ObjectiveResult#terms()} (e.g. {@code gradPenalty}).
 * @param weightTerm   name of the weight in force in the terms (e.g. {@code alpha}).
 * @param weightKey    hyperparameter of the weight after the warm-up.
 * @param annealKey    hyperparameter of the warm-up's length T, or null when the weight is constant.
 * @param weightBefore the weight for t &lt; T (DomainBed: 0 for CMA and Fishr, 1 for IRM and VREx).
 * @param alignment    whether R is an alignment penalty, 0 when every domain is the same.
 * @param factory      builds the regularizer alone.
 */
public record PenaltySpec(String term, String weightTerm, String weightKey, String annealKey,
                          ToDoubleFunction<Hyperparameters> weightBefore, boolean alignment, Factory factory) {

    /** Builds a regularizer. */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param hyperparameters resolved values (the algorithm's, possibly more).
         * @param seed            seed for stochastic regularizers.
         * @return a fresh regularizer.
         */
        Regularizer create(Hyperparameters hyperparameters, long seed);
    }

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a part is missing.
     */
    public PenaltySpec {
        if (term == null || weightTerm == null || weightKey == null || weightBefore == null || factory == null) {
            throw new IllegalArgumentException("incomplete penalty spec: " + term);
        }
    }

    /**
     * A penalty whose weight is the same at every step.
     *
     * @return the spec.
     */
    public static PenaltySpec constant(String term, String weightTerm, String weightKey, boolean alignment, Factory factory) {
        return new PenaltySpec(term, weightTerm, weightKey, null, hp -> hp.getDouble(weightKey), alignment, factory);
    }

    /**
     * A penalty with DomainBed's hard warm-up: {@code before} for t &lt; T, the weight from T on.
     *
     * @return the spec.
     */
    public static PenaltySpec annealed(String term, String weightTerm, String weightKey, String annealKey,
                                       ToDoubleFunction<Hyperparameters> before, boolean alignment, Factory factory) {
        return new PenaltySpec(term, weightTerm, weightKey, annealKey, before, alignment, factory);
    }

    /** @return T, the first step with the full weight (0 without a warm-up). */
    public long annealAt(Hyperparameters hp) {
        return annealKey == null ? 0 : hp.getLong(annealKey);
    }

    /** @return the weight in force at {@code step}. */
    public double weightAt(Hyperparameters hp, long step) {
        return Anneal.weight(step, annealAt(hp), weightBefore.applyAsDouble(hp), hp.getDouble(weightKey));
    }
}
