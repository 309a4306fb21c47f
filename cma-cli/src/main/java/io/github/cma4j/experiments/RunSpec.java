package io.github.cma4j.experiments;

import io.github.cma4j.core.hparam.SeedHash;
import io.github.cma4j.finetune.FineTuningTrainer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One training run of a sweep, DomainBed's job: a dataset, an algorithm, the test domains, the hyperparameter
 * seed (0 = defaults), the trial seed (data and split), steps, checkpoint frequency, and explicit hyperparameter
 * overrides; and the model: a linear probe on the inputs ({@link #LINEAR}, the default) or a featurizer trained end to
 * end ({@code MLP}, {@code MNIST_CNN}), whose checkpoints may evaluate a capped number of examples per split.
 *
 * @param dataset         dataset name.
 * @param algorithm       algorithm name.
 * @param testEnvs        test domain names (left out of training).
 * @param hparamsSeed     0 for the defaults, else a random-search draw.
 * @param trialSeed       data/split seed.
 * @param steps           optimiser steps.
 * @param checkpointFreq  evaluate every this many steps (and at the last).
 * @param overrides       hyperparameter name → value, applied after the draw.
 * @param featurizer      {@link #LINEAR} or a {@code FineTuningTrainer.Architecture} name.
 * @param evalExamples    examples evaluated per domain and split at each checkpoint (0 = all; DomainBed's).
 * @param standardize     linear probe only: standardise the features on the training data (folded into the model).
 */
public record RunSpec(String dataset, String algorithm, List<String> testEnvs, long hparamsSeed, long trialSeed,
                      int steps, int checkpointFreq, Map<String, String> overrides, String featurizer, int evalExamples,
                      boolean standardize) implements java.io.Serializable {
    /** The linear probe on the inputs. */
    public static final String LINEAR = "linear";

    /** Validates and copies. */
    public RunSpec {
        if (steps < 1 || checkpointFreq < 1) {
            throw new IllegalArgumentException("steps and checkpoint frequency must be >= 1");
        }
        if (evalExamples < 0) {
            throw new IllegalArgumentException("evalExamples must be >= 0 (0 = all), got " + evalExamples);
        }
        testEnvs = List.copyOf(testEnvs);
        overrides = new TreeMap<>(overrides);
        featurizer = canonicalFeaturizer(featurizer);
        if (standardize && !featurizer.equals(LINEAR)) {
            throw new IllegalArgumentException("standardisation applies to the linear probe, not to a trained " + featurizer);
        }
    }

    /** A run without standardisation. */
    public RunSpec(String dataset, String algorithm, List<String> testEnvs, long hparamsSeed, long trialSeed,
                   int steps, int checkpointFreq, Map<String, String> overrides, String featurizer, int evalExamples) {
        this(dataset, algorithm, testEnvs, hparamsSeed, trialSeed, steps, checkpointFreq, overrides, featurizer, evalExamples, false);
    }

    private static String canonicalFeaturizer(String name) {
        if (name == null || name.equalsIgnoreCase(LINEAR)) {
            return LINEAR;
        }
        for (FineTuningTrainer.Architecture a : FineTuningTrainer.Architecture.values()) {
            if (a.name().equalsIgnoreCase(name)) {
                return a.name();
            }
        }
        throw new IllegalArgumentException("unknown featurizer '" + name + "'; valid: " + LINEAR + ", "
                + java.util.Arrays.toString(FineTuningTrainer.Architecture.values()));
    }

    /** A linear-probing run evaluating every example. */
    public RunSpec(String dataset, String algorithm, List<String> testEnvs, long hparamsSeed, long trialSeed,
                   int steps, int checkpointFreq, Map<String, String> overrides) {
        this(dataset, algorithm, testEnvs, hparamsSeed, trialSeed, steps, checkpointFreq, overrides, LINEAR, 0);
    }

    /** @return whether a featurizer is trained (not the linear probe). */
    public boolean fineTuning() {
        return !featurizer.equals(LINEAR);
    }

    /** @return a stable identifier: the first 16 hex digits of the SHA-256 of the canonical arguments. */
    public String id() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return DomainBed's job seed analogue: seed_hash of the arguments, for the trainer (the data uses the trial seed). */
    public long jobSeed() {
        return SeedHash.of(dataset, algorithm, String.join(",", testEnvs), hparamsSeed, trialSeed);
    }

    private String canonical() {
        // linear runs keep the identifiers they had before featurizers existed
        return dataset + "|" + algorithm + "|" + testEnvs + "|" + hparamsSeed + "|" + trialSeed + "|" + steps + "|"
                + checkpointFreq + "|" + overrides + (fineTuning() ? "|" + featurizer + "|" + evalExamples : "")
                + (standardize ? "|standardize" : "");
    }

    /**
     * Checks what can be checked before any training: the dataset and algorithm exist, every override names a
     * hyperparameter of the algorithm or the shared ones and parses, and the weights are valid.
     *
     * @throws IllegalArgumentException naming the run and the problem.
     */
    public void validate() {
        try {
            DatasetCatalog.get(dataset);
            io.github.cma4j.core.objective.AlgorithmSpec spec = io.github.cma4j.core.algorithm.Algorithms.get(algorithm);
            io.github.cma4j.core.hparam.Hyperparameters hp = io.github.cma4j.core.algorithm.Algorithms
                    .searchSpace(algorithm, io.github.cma4j.core.algorithm.Algorithms.Scale.SMALL)
                    .override(io.github.cma4j.core.algorithm.Algorithms.sample(algorithm,
                            io.github.cma4j.core.algorithm.Algorithms.Scale.SMALL, hparamsSeed, trialSeed), overrides);
            spec.factory().create(hp, 0L);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("run " + algorithm + " on " + dataset + " " + testEnvs + ": " + e.getMessage(), e);
        }
    }

    /** @return the arguments as a JSON-ready map (the records' {@code args}). */
    public Map<String, Object> toArgs() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", algorithm);
        m.put("checkpoint_freq", checkpointFreq);
        m.put("dataset", dataset);
        m.put("hparams", overrides);
        m.put("hparams_seed", hparamsSeed);
        m.put("holdout_fraction", 0.2);
        m.put("seed", jobSeed());
        m.put("steps", steps);
        m.put("test_envs", testEnvs);
        m.put("trial_seed", trialSeed);
        if (fineTuning()) {
            m.put("featurizer", featurizer);
            m.put("eval_examples", evalExamples);
        }
        if (standardize) {
            m.put("standardize", true);
        }
        return m;
    }
}
