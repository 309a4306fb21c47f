package io.github.cma4j.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A DomainBed sweep: algorithms × datasets × test-domain sets × hparams seeds × trial seeds, each run in its own
 * directory named by {@link RunSpec#id()}. Runs whose directory holds the {@code done} marker are skipped; a run
 * directory without it (a run that was killed) is cleared and the run starts again, or, for a fine-tuning run,
 * continues from its last checkpoint, so a sweep can be killed at any moment and resumed without losing or
 * duplicating a record.
 */
public final class Sweep {
    private Sweep() {
    }

    /**
     * The grid, in a fixed order.
     *
     * @param datasets    dataset names.
     * @param algorithms  algorithm names.
     * @param testEnvSets test-domain sets per dataset; null → each of the dataset's default test domains alone.
     * @param numHparams  hparams seeds 0..numHparams−1 (0 = defaults).
     * @param numTrials   trial seeds 0..numTrials−1.
     * @param steps       steps per run.
     * @param checkpointFreq checkpoint frequency.
     * @param overrides   hyperparameter overrides for every run.
     * @return the runs.
     */
    public static List<RunSpec> grid(List<String> datasets, List<String> algorithms, Map<String, List<List<String>>> testEnvSets,
                                     int numHparams, int numTrials, int steps, int checkpointFreq, Map<String, String> overrides) {
        return grid(datasets, algorithms, testEnvSets, numHparams, numTrials, steps, checkpointFreq, overrides, RunSpec.LINEAR, 0);
    }

    /**
     * The grid with a featurizer for every run.
     *
     * @param datasets       dataset names.
     * @param algorithms     algorithm names.
     * @param testEnvSets    test-domain sets per dataset; null → each of the dataset's default test domains alone.
     * @param numHparams     hparams seeds 0..numHparams−1 (0 = defaults).
     * @param numTrials      trial seeds 0..numTrials−1.
     * @param steps          steps per run.
     * @param checkpointFreq checkpoint frequency.
     * @param overrides      hyperparameter overrides for every run.
     * @param featurizer     {@link RunSpec#LINEAR} or a fine-tuning architecture.
     * @param evalExamples   examples evaluated per domain and split at a checkpoint (0 = all).
     * @return the runs.
     */
    public static List<RunSpec> grid(List<String> datasets, List<String> algorithms, Map<String, List<List<String>>> testEnvSets,
                                     int numHparams, int numTrials, int steps, int checkpointFreq, Map<String, String> overrides,
                                     String featurizer, int evalExamples) {
        return grid(datasets, algorithms, testEnvSets, numHparams, numTrials, steps, checkpointFreq, overrides, featurizer,
                evalExamples, false);
    }

    /**
     * The grid with a model choice for every run.
     *
     * @param standardize standardise the linear probe's features on the training data.
     * @return the runs.
     */
    public static List<RunSpec> grid(List<String> datasets, List<String> algorithms, Map<String, List<List<String>>> testEnvSets,
                                     int numHparams, int numTrials, int steps, int checkpointFreq, Map<String, String> overrides,
                                     String featurizer, int evalExamples, boolean standardize) {
        List<RunSpec> runs = new ArrayList<>();
        for (String dataset : datasets) {
            List<List<String>> envSets = testEnvSets != null && testEnvSets.containsKey(dataset) ? testEnvSets.get(dataset)
                    : DatasetCatalog.get(dataset).defaultTestEnvs().stream().map(List::of).toList();
            for (String algorithm : algorithms) {
                for (List<String> envs : envSets) {
                    for (int h = 0; h < numHparams; h++) {
                        for (int t = 0; t < numTrials; t++) {
                            runs.add(new RunSpec(DatasetCatalog.get(dataset).name(), algorithm, envs, h, t, steps,
                                    checkpointFreq, overrides, featurizer, evalExamples, standardize));
                        }
                    }
                }
            }
        }
        return runs;
    }

    /** What a sweep did. */
    public record Summary(int total, int skipped, int ran) {
    }

    /**
     * Checks every run before the first one starts.
     *
     * @param runs the sweep's runs.
     * @throws IllegalArgumentException listing every distinct reason a run is invalid.
     */
    static void validateAll(List<RunSpec> runs) {
        List<String> invalid = new ArrayList<>();
        for (RunSpec spec : runs) {
            try {
                spec.validate();
            } catch (IllegalArgumentException e) {
                invalid.add(e.getMessage());
            }
        }
        if (!invalid.isEmpty()) {
            throw new IllegalArgumentException(invalid.size() + " of the sweep's " + runs.size() + " runs are invalid, so none "
                    + "was started:\n  " + String.join("\n  ", invalid.stream().distinct().toList()));
        }
    }

    /**
     * Runs every spec not yet done.
     *
     * @param runs     the runs.
     * @param outDir   the sweep's directory.
     * @param dataDir  Fashion-MNIST directory or null.
     * @param workers  parallel worker threads (≥ 1).
     * @param progress receives progress lines (called from worker threads; must be thread-safe).
     * @return counts.
     * @throws IOException if a run fails (the first failure; other runs still finish).
     */
    public static Summary run(List<RunSpec> runs, Path outDir, Path dataDir, int workers, Consumer<String> progress)
            throws IOException {
        validateAll(runs);
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new IOException(outDir + " is a file, not a directory; --out names the sweep's directory");
        }
        Files.createDirectories(outDir);
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec spec : runs) {
            Path dir = outDir.resolve(spec.id());
            if (ResultsFile.isDone(dir)) {
                continue;
            }
            todo.add(spec);              // a killed run is cleared or resumed by ExperimentRunner: no duplicate records
        }
        progress.accept("sweep: " + runs.size() + " runs, " + (runs.size() - todo.size()) + " already done, "
                + todo.size() + " to run on " + workers + " worker(s)");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers));
        List<Future<?>> futures = new ArrayList<>();
        int[] finished = {0};
        for (RunSpec spec : todo) {
            futures.add(pool.submit(() -> {
                try {
                    ExperimentRunner.run(spec, outDir.resolve(spec.id()), dataDir, progress);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                synchronized (finished) {
                    finished[0]++;
                    progress.accept("sweep: finished " + finished[0] + "/" + todo.size() + " (" + spec.id() + ")");
                }
                return null;
            }));
        }
        pool.shutdown();
        IOException first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
                if (first == null) {
                    first = cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pool.shutdownNow();
                throw new IOException("sweep interrupted", e);
            }
        }
        if (first != null) {
            throw first;
        }
        return new Summary(runs.size(), runs.size() - todo.size(), todo.size());
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
