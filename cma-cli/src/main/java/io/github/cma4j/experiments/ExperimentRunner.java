package io.github.cma4j.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.datasets.InOutSplit;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.io.IdxReader;
import io.github.cma4j.tribuo.BatchMode;
import io.github.cma4j.tribuo.DomainLinearSGDTrainer;
import io.github.cma4j.tribuo.TrainingDivergedException;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import io.github.cma4j.finetune.FineTunedModel;
import io.github.cma4j.finetune.FineTuner;
import io.github.cma4j.finetune.FineTuningTrainer;
import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.math.la.DenseMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Runs one {@link RunSpec} the DomainBed way with the linear-probing trainer: the dataset (seeded by the trial
 * seed), DomainBed's per-domain in/out split (holdout 0.2), training on the <em>in</em> parts of the non-test
 * domains with domain-balanced batches of {@code batch_size} per domain, cma4j's Adam ({@code lr},
 * {@code weight_decay}), and a checkpoint every {@code checkpointFreq} steps that evaluates every domain's in and
 * out parts. Each checkpoint becomes one line of {@code results.jsonl} (keys sorted, DomainBed's field names);
 * the {@code done} marker is written after the last one, with the final model ({@code model.tribuo}).
 * <p>
 * With a featurizer ({@link RunSpec#fineTuning()}) the same protocol trains it end to end through
 * {@link FineTuningTrainer} and saves {@code model.cma4j}; its checkpoints may evaluate a fixed random subset of each
 * split ({@link RunSpec#evalExamples()}), because a CNN's forward pass over every image costs more than training.
 */
public final class ExperimentRunner {
    /**
     * Rows per forward pass when a fine-tuned model is evaluated: MNIST_CNN keeps ≈ 1.5 MB of activations per float32
     * row, so a chunk holds ≈ 0.8 GB (chunk sizes measured in docs/performance.md §4).
     */
    private static final int EVAL_CHUNK = 512;
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    /** The last few datasets built, so a sweep's runs share them; bounded because one can weigh ~0.5 GB. */
    private static final int CACHE_SIZE = 2;
    private static final Map<String, MultiDomainDataset> CACHE = new java.util.LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MultiDomainDataset> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private ExperimentRunner() {
    }

    /** @return the shared JSON mapper (sorted keys). */
    public static ObjectMapper json() {
        return JSON;
    }

    /**
     * Loads a dataset once per (name, trial seed) and keeps it for the sweep's other runs.
     *
     * @param name      dataset name.
     * @param trialSeed data seed.
     * @param dataDir   Fashion-MNIST directory or null.
     * @return the dataset.
     */
    public static MultiDomainDataset dataset(String name, long trialSeed, Path dataDir) {
        String key = name + "#" + trialSeed;
        synchronized (CACHE) {
            MultiDomainDataset cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
        }
        MultiDomainDataset built = DatasetCatalog.load(name, trialSeed, dataDir);    // outside the lock: slow
        synchronized (CACHE) {
            CACHE.putIfAbsent(key, built);
            return CACHE.get(key);
        }
    }

    /**
     * Runs one spec into a directory (which must not hold a finished run).
     *
     * @param spec     the run.
     * @param runDir   its directory (created).
     * @param dataDir  Fashion-MNIST directory or null.
     * @param progress receives one line per checkpoint.
     * @throws IOException on a write error.
     */
    public static void run(RunSpec spec, Path runDir, Path dataDir, Consumer<String> progress) throws IOException {
        run(spec, runDir, dataDir, progress, false);
    }

    /**
     * Runs one spec into a directory that belongs to it ({@link ResultsFile#prepareRunDirectory}: an unfinished run
     * of the same configuration is run again from its start, anything else refused). A run that diverges keeps its
     * records so far, gets {@code failed.json} (step and reason) instead of the {@code done} marker, and fails.
     *
     * @param spec           the run.
     * @param runDir         its directory.
     * @param dataDir        Fashion-MNIST directory or null.
     * @param progress       receives one line per checkpoint, and every warning.
     * @param keepLastFinite on divergence, save the model of the last finite step as {@code model.last-finite.tribuo}.
     * @throws IOException on a write error, or naming the step and the reason of a divergence.
     */
    public static void run(RunSpec spec, Path runDir, Path dataDir, Consumer<String> progress, boolean keepLastFinite)
            throws IOException {
        if (ResultsFile.prepareRunDirectory(runDir, JSON.writeValueAsString(spec.toArgs()))) {
            long resumeAt = FineTuner.checkpointStep(runDir.resolve(ResultsFile.CHECKPOINT));
            if (resumeAt > 0) {
                ResultsFile.truncateAfter(runDir, resumeAt);
                progress.accept(runDir + ": an unfinished run of this configuration resumes from its checkpoint after step " + resumeAt);
            } else {
                progress.accept(runDir + ": an unfinished run of this configuration was cleared; running it again from step 0");
            }
        }
        MultiDomainDataset data = dataset(spec.dataset(), spec.trialSeed(), dataDir);
        List<String> domains = data.domainNames();
        List<Integer> testIds = new ArrayList<>();
        for (String t : spec.testEnvs()) {
            int id = domains.indexOf(t);
            if (id < 0) {
                throw new IllegalArgumentException("test domain '" + t + "' is not a domain of " + data.name() + ": " + domains);
            }
            testIds.add(id);
        }
        if (testIds.size() >= domains.size()) {
            throw new IllegalArgumentException("every domain is a test domain; nothing is left to train on");
        }
        InOutSplit split = InOutSplit.domainBed(data, InOutSplit.DEFAULT_HOLDOUT, spec.trialSeed());
        int[] trainRows = IntStream.range(0, domains.size()).filter(d -> !testIds.contains(d))
                .flatMap(d -> IntStream.of(split.in().get(d))).sorted().toArray();
        MultiDomainDataset trainData = data.subset(trainRows, data.name() + "-train");
        if (spec.fineTuning()) {
            trainData.withFeatureNames(null);       // a featurizer reads its inputs by position (f0000, …)
        }
        MutableDataset<Label> train = TribuoDatasets.toTribuo(trainData);

        Hyperparameters drawn = Algorithms.sample(spec.algorithm(), Algorithms.Scale.SMALL, spec.hparamsSeed(), spec.trialSeed());
        Hyperparameters hp = Algorithms.searchSpace(spec.algorithm(), Algorithms.Scale.SMALL).override(drawn, spec.overrides());
        RunFacts facts = RunFacts.of(spec, data, testIds, trainRows, hp);
        facts.warnings().forEach(w -> progress.accept(spec.id() + ": warning: " + w));
        Map<String, String> algorithmParams = new LinkedHashMap<>();
        Algorithms.get(spec.algorithm()).hyperparameters().entries()
                .forEach(h -> algorithmParams.put(h.name(), hp.getString(h.name())));
        int[] labelRow = new int[data.classNames().size()];
        for (int c = 0; c < labelRow.length; c++) {
            labelRow[c] = train.getOutputIDInfo().getID(new Label(data.classNames().get(c)));
        }
        int trainPerStep = (int) hp.getLong("batch_size") * (domains.size() - testIds.size());
        double stepsPerEpoch = trainRows.length / (double) Math.max(1, trainPerStep);
        if (spec.fineTuning()) {
            runFineTuning(spec, runDir, data, split, train, hp, algorithmParams, labelRow, stepsPerEpoch, progress, facts);
            return;
        }
        DomainLinearSGDTrainer trainer = new DomainLinearSGDTrainer(spec.algorithm(), algorithmParams,
                new AdamOptimiser(hp.getDouble("lr"), 0.9, 0.999, 1e-8, hp.getDouble("weight_decay")), 1,
                (int) hp.getLong("batch_size"), BatchMode.DOMAIN_BALANCED, true, spec.jobSeed()).withSteps(spec.steps())
                .withStandardization(spec.standardize());
        String trainerHash = IdxReader.sha256(trainer.getProvenance().toString().getBytes(StandardCharsets.UTF_8));

        // Tribuo's ids: label → row of W, our feature column → column of W (absent features have none)
        ImmutableFeatureMap featureMap = train.getFeatureIDMap();
        String[] names = data.featureNames().toArray(String[]::new);
        int[] column = new int[data.numFeatures()];
        for (int j = 0; j < column.length; j++) {
            column[j] = featureMap.getID(names[j]);
        }

        Window window = new Window();
        IOException[] failure = new IOException[1];
        trainer.setStepListener((step, total, weights, result) -> {
            if (step == 0) {       // the trainer's warnings (small domains, feature scales) are known once it starts
                trainer.lastWarnings().forEach(w -> progress.accept(spec.id() + ": warning: " + w));
            }
            afterStep(spec, runDir, hp, domains, trainerHash,
                stepsPerEpoch, window, step, total, result.value(), result.terms(), progress, failure,
                record -> {
                    facts.addTo(record, trainer.lastWarnings());
                    evaluate(data, split, 0, rows -> linearPredictions(data, rows, weights, column), labelRow, record);
                });
        });
        LinearSGDModel model;
        try {
            model = trainer.train(train);
        } catch (UncheckedIOException e) {
            throw failure[0] != null ? failure[0] : e.getCause();
        } catch (TrainingDivergedException e) {
            if (keepLastFinite && e.lastFiniteModel().isPresent()) {
                e.lastFiniteModel().get().serializeToFile(runDir.resolve("model.last-finite.tribuo"));
            }
            throw failed(runDir, spec, e.step(), e.reason(), keepLastFinite && e.lastFiniteModel().isPresent());
        } catch (IllegalArgumentException e) {
            throw failed(runDir, spec, 0, e.getMessage(), false);
        }
        model.serializeToFile(runDir.resolve("model.tribuo"));
        markDone(runDir, model);
    }

    /**
     * Adds a step's loss and terms to the window and, at a checkpoint step (every {@code checkpointFreq} and the
     * last), writes one record (the window's averages and every domain's accuracies) and reports it.
     */
    private static void afterStep(RunSpec spec, Path runDir, Hyperparameters hp, List<String> domains, String trainerHash,
                                  double stepsPerEpoch, Window window, long step, long total, double value,
                                  Map<String, Double> terms, Consumer<String> progress, IOException[] failure,
                                  Consumer<Map<String, Object>> evaluation) {
        window.add(value, terms);
        if ((step + 1) % spec.checkpointFreq() != 0 && step != total - 1) {
            return;
        }
        Map<String, Object> record = new TreeMap<>();
        record.put("args", spec.toArgs());
        record.put("hparams", hp.asMap());
        record.put("step", step + 1);
        record.put("epoch", (step + 1) / stepsPerEpoch);
        record.put("domains", domains);
        record.put("trainer_provenance_sha256", trainerHash);
        record.putAll(window.averages());
        record.put("step_time", window.secondsPerStep());
        evaluation.accept(record);
        try {
            ResultsFile.append(runDir, JSON.writeValueAsString(record));
        } catch (IOException e) {
            failure[0] = e;
            throw new UncheckedIOException(e);
        }
        progress.accept(String.format(java.util.Locale.ROOT, "%s %s%s test=%s hp=%d trial=%d step %d/%d loss %.4f",
                spec.dataset(), spec.algorithm(), spec.fineTuning() ? " (" + spec.featurizer() + ")" : "", spec.testEnvs(),
                spec.hparamsSeed(), spec.trialSeed(), step + 1, total, (Double) record.get("loss")));
        window.reset();
    }

    /** Writes {@code failed.json} and returns the error that says so. */
    private static IOException failed(Path runDir, RunSpec spec, long step, String reason, boolean keptModel) throws IOException {
        Map<String, Object> record = new TreeMap<>();
        record.put("args", spec.toArgs());
        record.put("step", step);
        record.put("reason", reason);
        ResultsFile.markFailed(runDir, JSON.writeValueAsString(record));
        return new IOException("run " + spec.id() + " failed at step " + step + ": " + reason + "; its records so far are in "
                + runDir.resolve(ResultsFile.RESULTS) + " and the reason in " + runDir.resolve(ResultsFile.FAILED)
                + (keptModel ? "; the last finite model is " + runDir.resolve("model.last-finite.tribuo") : ""));
    }

    /** Records the saved model's provenance hash, then the {@code done} marker (last: it means the run is complete). */
    private static void markDone(Path runDir, org.tribuo.Model<?> model) throws IOException {
        Files.writeString(runDir.resolve("model_provenance_sha256"),
                IdxReader.sha256(model.getProvenance().toString().getBytes(StandardCharsets.UTF_8)) + "\n");
        ResultsFile.markDone(runDir);
    }

    /**
     * A featurizer trained end to end (DomainBed's fine-tuning protocol): the same split, batches, hyperparameters
     * and records as the linear probe, through {@link FineTuningTrainer}; the final model is saved as
     * {@code model.cma4j} ({@link FineTunedModel#save}).
     */
    private static void runFineTuning(RunSpec spec, Path runDir, MultiDomainDataset data, InOutSplit split,
                                      MutableDataset<Label> train, Hyperparameters hp, Map<String, String> algorithmParams,
                                      int[] labelRow, double stepsPerEpoch, Consumer<String> progress, RunFacts facts)
            throws IOException {
        FineTuningTrainer.Architecture architecture = FineTuningTrainer.Architecture.valueOf(spec.featurizer());
        int[] shape = data.inputShape();
        if (shape.length != 3) {
            if (architecture == FineTuningTrainer.Architecture.MNIST_CNN) {
                throw new IllegalArgumentException(data.name() + " has inputs of shape " + java.util.Arrays.toString(shape)
                        + ", not images (channels, height, width): MNIST_CNN cannot read them");
            }
            shape = new int[]{1, 1, data.numFeatures()};
        }
        FineTuningTrainer trainer = new FineTuningTrainer(architecture, shape, spec.algorithm(), algorithmParams,
                BatchMode.DOMAIN_BALANCED, (int) hp.getLong("batch_size"), spec.steps(), hp.getDouble("lr"),
                hp.getDouble("weight_decay"), spec.jobSeed())
                .withCheckpoints(runDir.resolve(ResultsFile.CHECKPOINT), spec.checkpointFreq());
        String trainerHash = IdxReader.sha256(trainer.getProvenance().toString().getBytes(StandardCharsets.UTF_8));
        Window window = new Window();
        IOException[] failure = new IOException[1];
        trainer.setStepListener((step, total, tuner, report) -> afterStep(spec, runDir, hp, data.domainNames(), trainerHash,
                stepsPerEpoch, window, step, total, report.value(), report.terms(), progress, failure,
                record -> {
                    facts.addTo(record, List.of());
                    evaluate(data, split, spec.evalExamples(), rows -> tunerPredictions(data, rows, tuner), labelRow, record);
                }));
        FineTunedModel model;
        try {
            model = trainer.train(train);
        } catch (UncheckedIOException e) {
            throw failure[0] != null ? failure[0] : e.getCause();
        } catch (IllegalStateException e) {
            throw failed(runDir, spec, -1, e.getMessage(), false);
        }
        model.save(runDir.resolve("model.cma4j"));
        Sweep.deleteRecursively(runDir.resolve(ResultsFile.CHECKPOINT));     // a finished run needs none
        markDone(runDir, model);
    }

    /**
     * env{i}_in_acc / env{i}_out_acc for every domain, and worst-group accuracies where the data has groups, on the
     * first {@code cap} rows of each split part (all with 0; the parts are in random order, so this is a random
     * subset fixed for the run).
     */
    private static void evaluate(MultiDomainDataset data, InOutSplit split, int cap, Function<int[], int[]> predict,
                                 int[] labelRow, Map<String, Object> record) {
        record.put("classes", data.classNames());
        for (int d = 0; d < data.domainNames().size(); d++) {
            for (String part : new String[]{"in", "out"}) {
                int[] all = part.equals("in") ? split.in().get(d) : split.out().get(d);
                int[] rows = cap > 0 && all.length > cap ? java.util.Arrays.copyOf(all, cap) : all;
                int[] predicted = predict.apply(rows);
                Map<Integer, int[]> groups = new HashMap<>();
                int correct = 0;
                for (int r = 0; r < rows.length; r++) {
                    int i = rows[r];
                    boolean right = predicted[r] == labelRow[data.label(i)];
                    correct += right ? 1 : 0;
                    if (data.hasGroups()) {
                        int[] g = groups.computeIfAbsent(data.group(i), x -> new int[2]);
                        g[0] += right ? 1 : 0;
                        g[1]++;
                    }
                }
                record.put("env" + d + "_" + part + "_acc", rows.length == 0 ? Double.NaN : correct / (double) rows.length);
                record.put("env" + d + "_" + part + "_f1", macroF1(data, rows, predicted, labelRow));
                record.put("env" + d + "_" + part + "_confusion", confusion(data, rows, predicted, labelRow));
                if (data.hasGroups()) {
                    record.put("env" + d + "_" + part + "_wga", groups.values().stream()
                            .mapToDouble(g -> g[0] / (double) g[1]).min().orElse(Double.NaN));
                }
            }
        }
    }

    /**
     * Macro-averaged F1 over the classes that occur among the rows' labels or predictions (as scikit-learn's
     * {@code f1_score(average="macro")}): per class 2TP / (2TP + FP + FN).
     */
    static double macroF1(MultiDomainDataset data, int[] rows, int[] predicted, int[] labelRow) {
        if (rows.length == 0) {
            return Double.NaN;
        }
        Map<Integer, int[]> counts = new TreeMap<>();       // output id → {TP, FP, FN}
        for (int r = 0; r < rows.length; r++) {
            int truth = labelRow[data.label(rows[r])];
            if (predicted[r] == truth) {
                counts.computeIfAbsent(truth, k -> new int[3])[0]++;
            } else {
                counts.computeIfAbsent(predicted[r], k -> new int[3])[1]++;
                counts.computeIfAbsent(truth, k -> new int[3])[2]++;
            }
        }
        return counts.values().stream().mapToDouble(c -> 2.0 * c[0] / (2.0 * c[0] + c[1] + c[2])).average().orElse(Double.NaN);
    }

    /** Counts by true class (rows) and predicted class (columns), in the dataset's class order. */
    static long[][] confusion(MultiDomainDataset data, int[] rows, int[] predicted, int[] labelRow) {
        int classes = data.classNames().size();
        int[] classOfOutput = new int[java.util.Arrays.stream(labelRow).max().orElse(0) + 1];
        java.util.Arrays.fill(classOfOutput, -1);
        for (int c = 0; c < classes; c++) {
            if (labelRow[c] >= 0) {
                classOfOutput[labelRow[c]] = c;
            }
        }
        long[][] m = new long[classes][classes];
        for (int r = 0; r < rows.length; r++) {
            int p = predicted[r] >= 0 && predicted[r] < classOfOutput.length ? classOfOutput[predicted[r]] : -1;
            if (p >= 0) {
                m[data.label(rows[r])][p]++;
            }
        }
        return m;
    }

    /** The linear model's predicted output id per row. */
    private static int[] linearPredictions(MultiDomainDataset data, int[] rows, DenseMatrix W, int[] column) {
        int numRows = W.getDimension1Size();
        int bias = W.getDimension2Size() - 1;
        int[] out = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            int i = rows[r];
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < numRows; k++) {
                double z = W.get(k, bias);
                for (int j = 0; j < column.length; j++) {
                    if (column[j] >= 0) {
                        z += W.get(k, column[j]) * data.feature(i, j);
                    }
                }
                if (z > bestScore) {
                    bestScore = z;
                    out[r] = k;
                }
            }
        }
        return out;
    }

    /** The fine-tuned featurizer and head's predicted output id per row, in chunks (a CNN's activations are large). */
    private static int[] tunerPredictions(MultiDomainDataset data, int[] rows, FineTuner tuner) {
        int width = data.numFeatures();
        float[] raw = data.rawFeatures();
        DataType type = tuner.featurizer().dataType();
        int[] out = new int[rows.length];
        for (int from = 0; from < rows.length; from += EVAL_CHUNK) {
            int n = Math.min(EVAL_CHUNK, rows.length - from);
            float[] x = new float[n * width];
            for (int r = 0; r < n; r++) {
                System.arraycopy(raw, rows[from + r] * width, x, r * width, width);
            }
            int[] predicted = tuner.predict(Nd4j.create(x, new long[]{n, width}, 'c').castTo(type));
            System.arraycopy(predicted, 0, out, from, n);
        }
        return out;
    }

    /** Averages of the logged values over a checkpoint window, and the wall time per step. */
    private static final class Window {
        private final Map<String, double[]> sums = new TreeMap<>();
        private int count;
        private long start = System.nanoTime();

        void add(double value, Map<String, Double> terms) {
            sums.computeIfAbsent("loss", k -> new double[1])[0] += value;
            terms.forEach((k, v) -> sums.computeIfAbsent(k, x -> new double[1])[0] += v);
            count++;
        }

        Map<String, Double> averages() {
            Map<String, Double> out = new TreeMap<>();
            sums.forEach((k, v) -> out.put(k, v[0] / count));
            return out;
        }

        double secondsPerStep() {
            return (System.nanoTime() - start) / 1e9 / Math.max(1, count);
        }

        void reset() {
            sums.clear();
            count = 0;
            start = System.nanoTime();
        }
    }
}
