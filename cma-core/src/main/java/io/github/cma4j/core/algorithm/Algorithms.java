package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.cma.CmaObjective;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.SharedHyperparameters;

import java.util.List;
import java.util.Map;

/**
 * The registry of domain-generalization algorithms, by DomainBed name (case-insensitive). Adding an algorithm is
 * one class with a {@code SPEC} and one line in {@link #BUILT_IN}; the registry-driven tests, the Tribuo trainers
 * and the command-line tool pick it up from here.
 */
public final class Algorithms {
    /** Every built-in algorithm, in the order tables list them. */
    public static final List<AlgorithmSpec> BUILT_IN = List.of(
            ErmObjective.SPEC,
            IrmPenalty.SPEC,
            VrexPenalty.SPEC,
            CoralPenalty.SPEC,
            FishrPenalty.SPEC,
            HgpPenalty.SPEC,
            HutchinsonPenalty.SPEC,
            GroupDroObjective.SPEC,
            CmaObjective.SPEC,
            CmaObjective.DIAGONAL_SPEC,
            SdPenalty.SPEC,
            MmdPenalty.SPEC);

    private Algorithms() {
    }

    /**
     * @param name a registry name, any case.
     * @return its entry.
     * @throws IllegalArgumentException listing the valid names if there is none.
     */
    public static AlgorithmSpec get(String name) {
        for (AlgorithmSpec spec : BUILT_IN) {
            if (spec.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return spec;
            }
        }
        throw new IllegalArgumentException("unknown algorithm '" + name + "'; valid: " + names());
    }

    /** @return the registry names. */
    public static List<String> names() {
        return BUILT_IN.stream().map(AlgorithmSpec::name).toList();
    }

    /**
     * @param name      a registry name.
     * @param overrides hyperparameter overrides (algorithm-specific names). Not modified.
     * @param seed      seed for stochastic algorithms.
     * @return a fresh objective.
     */
    public static DomainObjective create(String name, Map<String, String> overrides, long seed) {
        return get(name).create(overrides, seed);
    }

    /**
     * The registry as Markdown: one section per algorithm with its hyperparameters, defaults and search
     * distributions. {@code docs/algorithms.md} is this text; a test keeps the two equal.
     *
     * @return the Markdown.
     */
    public static String markdown() {
        StringBuilder sb = new StringBuilder("# Algorithms\n\n");
        sb.append("Generated from the registry (`io.github.cma4j.core.algorithm.Algorithms`); do not edit by hand. ")
                .append("Names are case-insensitive. Every run also has DomainBed's shared optimiser hyperparameters ")
                .append("(`lr`, `weight_decay`, `batch_size`; `SharedHyperparameters`).\n\n");
        sb.append("| name | what it is |\n|---|---|\n");
        for (AlgorithmSpec spec : BUILT_IN) {
            sb.append("| ").append(spec.name()).append(" | ").append(spec.summary()).append(" |\n");
        }
        for (AlgorithmSpec spec : BUILT_IN) {
            sb.append("\n## ").append(spec.name()).append("\n\n");
            if (spec.hyperparameters().entries().isEmpty()) {
                sb.append("No hyperparameters of its own.\n");
                continue;
            }
            sb.append("| hyperparameter | default | random search | meaning |\n|---|---|---|---|\n");
            spec.hyperparameters().entries().forEach(h -> sb.append("| `").append(h.name()).append("` | ")
                    .append(h.defaultValue()).append(" | ").append(h.search()).append(" | ").append(h.description())
                    .append(" |\n"));
        }
        return sb.toString();
    }

    /** Image scale of a dataset, which selects DomainBed's shared optimiser hyperparameters. */
    public enum Scale {
        /** MNIST-type inputs. */
        SMALL,
        /** ResNet-sized inputs. */
        LARGE
    }

    /**
     * The whole random-search space of a run: DomainBed's shared optimiser hyperparameters, then the algorithm's.
     *
     * @param name  a registry name.
     * @param scale which shared defaults.
     * @return the space.
     */
    public static HyperparameterSpace searchSpace(String name, Scale scale) {
        HyperparameterSpace shared = scale == Scale.SMALL ? SharedHyperparameters.smallImages() : SharedHyperparameters.largeImages();
        return shared.plus(get(name).hyperparameters());
    }

    /**
     * DomainBed's random search: hparams seed 0 gives the defaults, otherwise a reproducible draw per name.
     *
     * @param name        a registry name.
     * @param scale       which shared defaults.
     * @param hparamsSeed the hparams seed.
     * @param trialSeed   the trial seed.
     * @return the values.
     */
    public static Hyperparameters sample(String name, Scale scale, long hparamsSeed, long trialSeed) {
        return searchSpace(name, scale).sample(hparamsSeed, trialSeed);
    }
}
