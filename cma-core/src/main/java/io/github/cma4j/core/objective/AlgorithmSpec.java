package io.github.cma4j.core.objective;

import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.Hyperparameters;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A registry entry: an algorithm's name, its hyperparameters, how to build it, its penalties and the settings its
 * tests use. Each algorithm class declares its own {@code SPEC}, so adding an algorithm is one class plus one line
 * in {@code io.github.cma4j.core.algorithm.Algorithms}; everything that needs to know about an algorithm reads it
 * here.
 *
 * @param name            registry name in DomainBed's spelling (e.g. {@code "VREx"}).
 * @param summary         one line for help texts.
 * @param hyperparameters the algorithm's own hyperparameters (the shared optimiser ones live in
 *                        {@code SharedHyperparameters}).
 * @param factory         builds an instance from resolved values and a seed (used by stochastic algorithms).
 * @param penalties       its weighted penalties, each usable alone as a {@link Regularizer} (empty for ERM and for
 *                        loop-changing algorithms such as GroupDRO).
 * @param testSettings    hyperparameters under which every part of the objective is active at step 1 (weights of
 *                        moderate size, no warm-up), for the registry-driven finite-difference tests.
 */
public record AlgorithmSpec(String name, String summary, HyperparameterSpace hyperparameters, Factory factory,
                            List<PenaltySpec> penalties, Map<String, String> testSettings) {

    /** Builds an objective. */
    @FunctionalInterface
    public interface Factory {
        /**
         * @param hyperparameters resolved values; may hold more keys than the algorithm's (e.g. the shared ones).
         * @param seed            seed for stochastic algorithms.
         * @return a fresh objective with no carried state.
         */
        DomainObjective create(Hyperparameters hyperparameters, long seed);
    }

    /**
     * Validates the entry.
     *
     * @throws IllegalArgumentException if a part is missing.
     */
    public AlgorithmSpec {
        if (name == null || name.isBlank() || summary == null || hyperparameters == null || factory == null
                || penalties == null || testSettings == null) {
            throw new IllegalArgumentException("incomplete algorithm spec: " + name);
        }
        penalties = List.copyOf(penalties);
        testSettings = Map.copyOf(testSettings);
        hyperparameters.resolve(testSettings);   // the test settings name real hyperparameters
    }

    /**
     * An algorithm that is cross-entropy plus its weighted penalties ({@link PenalizedObjective}).
     *
     * @param name            registry name.
     * @param summary         one line for help texts.
     * @param hyperparameters its hyperparameters.
     * @param crossEntropy    the ERM term's convention, from the hyperparameters.
     * @param penalties       its penalties.
     * @param testSettings    see the record.
     * @return the entry.
     */
    public static AlgorithmSpec penalized(String name, String summary, HyperparameterSpace hyperparameters,
                                          Function<Hyperparameters, CrossEntropyMode> crossEntropy,
                                          List<PenaltySpec> penalties, Map<String, String> testSettings) {
        return new AlgorithmSpec(name, summary, hyperparameters,
                (hp, seed) -> new PenalizedObjective(name, crossEntropy.apply(hp), penalties, hp, seed),
                penalties, testSettings);
    }

    /**
     * @param overrides hyperparameter name → text value, on top of the defaults. Not modified.
     * @param seed      seed for stochastic algorithms.
     * @return a fresh objective.
     * @throws IllegalArgumentException on an unknown hyperparameter or a bad value.
     */
    public DomainObjective create(Map<String, String> overrides, long seed) {
        return factory.create(hyperparameters.resolve(overrides), seed);
    }

    /** @return a fresh objective with the default hyperparameters. */
    public DomainObjective createDefault() {
        return create(Map.of(), 0L);
    }

    /**
     * One of the algorithm's penalties alone, e.g. CMA's {@code hessPenalty}.
     *
     * @param term      the penalty's term name (see {@link #penalties()}).
     * @param overrides hyperparameter overrides. Not modified.
     * @param seed      seed for stochastic penalties.
     * @return a fresh regularizer.
     * @throws IllegalArgumentException naming the terms if {@code term} is not one.
     */
    public Regularizer regularizer(String term, Map<String, String> overrides, long seed) {
        for (PenaltySpec p : penalties) {
            if (p.term().equals(term)) {
                return p.factory().create(hyperparameters.resolve(overrides), seed);
            }
        }
        throw new IllegalArgumentException(name + " has no penalty '" + term + "'; its penalties: "
                + penalties.stream().map(PenaltySpec::term).toList());
    }

    /** @return the hyperparameters that set a warm-up length, one per distinct key (empty without warm-up). */
    public List<String> annealKeys() {
        return penalties.stream().map(PenaltySpec::annealKey).filter(k -> k != null).distinct().toList();
    }
}
