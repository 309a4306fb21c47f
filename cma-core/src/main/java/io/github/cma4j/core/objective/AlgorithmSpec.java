package io.github.cma4j.core.objective;

import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.Hyperparameters;

import java.util.Map;

/**
 * A registry entry: an algorithm's name, its hyperparameters and how to build it. Each algorithm class declares
 * its own {@code SPEC}, so adding an algorithm is one class plus one line in
 * {@code io.github.cma4j.core.algorithm.Algorithms}.
 *
 * @param name            registry name in DomainBed's spelling (e.g. {@code "VREx"}).
 * @param summary         one line for help texts.
 * @param hyperparameters the algorithm's own hyperparameters (the shared optimiser ones live in
 *                        {@code SharedHyperparameters}).
 * @param factory         builds an instance from resolved values and a seed (used by stochastic algorithms).
 */
public record AlgorithmSpec(String name, String summary, HyperparameterSpace hyperparameters, Factory factory) {

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
        if (name == null || name.isBlank() || summary == null || hyperparameters == null || factory == null) {
            throw new IllegalArgumentException("incomplete algorithm spec: " + name);
        }
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
}
