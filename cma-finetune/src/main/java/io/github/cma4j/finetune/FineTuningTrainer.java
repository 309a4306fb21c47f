package io.github.cma4j.finetune;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.algorithm.ErmObjective;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.optim.Adam;
import io.github.cma4j.tribuo.BatchMode;
import io.github.cma4j.tribuo.DomainData;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.Dataset;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;
import org.tribuo.provenance.impl.TrainerProvenanceImpl;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Fine-tuning as a Tribuo trainer: pixel features (named as {@link TribuoDatasets#featureNames} names them) and each
 * example's domain in metadata in, a {@link FineTunedModel} out. A featurizer (the IRM MLP or DomainBed's
 * MNIST_CNN) and a linear softmax head are trained end to end by {@link FineTuner} with any registry algorithm, on
 * full batches (IRM style) or domain-balanced batches of {@code batchSize} per domain (DomainBed style). Every
 * setting is an OLCUT {@code @Config} field recorded in the model's provenance, so a model can be retrained from it.
 */
public final class FineTuningTrainer implements Trainer<Label> {
    private static final Logger LOG = Logger.getLogger(FineTuningTrainer.class.getName());

    /** The featurizers. */
    public enum Architecture {
        /** input → h → h, ReLU (the IRM ColoredMNIST MLP). */
        MLP,
        /** DomainBed's MNIST_CNN (4 convolutions, GroupNorm, global average pooling → 128). */
        MNIST_CNN
    }

    @Config(description = "Featurizer: MLP or MNIST_CNN")
    private Architecture architecture = Architecture.MLP;
    @Config(mandatory = true, description = "Input image shape: channels, height, width (the MLP uses their product)")
    private List<Integer> imageShape = new ArrayList<>();
    @Config(description = "MLP hidden width")
    private int hidden = 256;
    @Config(description = "Algorithm, by cma4j registry name")
    private String algorithm = "ERM";
    @Config(description = "The algorithm's hyperparameters (registry names); unspecified ones keep their defaults")
    private Map<String, String> hyperparameters = new HashMap<>();
    @Config(description = "Example metadata key holding the domain")
    private String domainKey = TribuoDatasets.DOMAIN_KEY;
    @Config(description = "Batches: FULL or DOMAIN_BALANCED (batchSize per domain)")
    private BatchMode batchMode = BatchMode.FULL;
    @Config(description = "Examples per domain in a DOMAIN_BALANCED batch")
    private int batchSize = 64;
    @Config(description = "Adam steps")
    private int steps = 501;
    @Config(description = "Adam learning rate")
    private double learningRate = 1e-3;
    @Config(description = "L2 weight decay added to the gradients (PyTorch Adam semantics)")
    private double weightDecay = 0;
    @Config(description = "Compute the featurizer in float64 instead of float32")
    private boolean doublePrecision = false;
    @Config(description = "Seed of initialisation, batches and stochastic algorithms")
    private long seed = Trainer.DEFAULT_SEED;

    private SplittableRandom rng;
    private int invocations = 0;
    private transient StepListener stepListener;
    // where and how often to checkpoint: a property of this run, not of the model, so not in the provenance
    private transient java.nio.file.Path checkpointDir;
    private transient int checkpointEvery;

    /** Called after every training step (not part of the configuration). */
    @FunctionalInterface
    public interface StepListener {
        /**
         * @param step   the step just taken (0-based).
         * @param total  the number of steps.
         * @param tuner  the featurizer and head after the step (for evaluation; do not train it).
         * @param report the step's objective and terms.
         */
        void afterStep(int step, int total, FineTuner tuner, FineTuner.StepReport report);
    }

    /**
     * Sets a listener called after every step (e.g. checkpoints that evaluate held-out data); null for none.
     *
     * @param listener the listener.
     * @return this trainer.
     */
    public FineTuningTrainer setStepListener(StepListener listener) {
        this.stepListener = listener;
        return this;
    }

    /**
     * Checkpoints the run every {@code every} steps into {@code dir} ({@link FineTuner#saveCheckpoint}), and resumes
     * from the checkpoint there when training starts: a killed run continues bit-identically from its last
     * checkpoint. The listener is called from the resumed step on.
     *
     * @param dir   the checkpoint directory.
     * @param every steps between checkpoints.
     * @return this trainer.
     */
    public FineTuningTrainer withCheckpoints(java.nio.file.Path dir, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoint every >= 1 steps, got " + every);
        }
        this.checkpointDir = dir;
        this.checkpointEvery = every;
        return this;
    }

    /** For OLCUT. */
    private FineTuningTrainer() {
    }

    /**
     * @param architecture    featurizer.
     * @param imageShape      channels, height, width.
     * @param algorithm       registry name.
     * @param hyperparameters overrides (copied).
     * @param batchMode       FULL or DOMAIN_BALANCED.
     * @param batchSize       per domain (DOMAIN_BALANCED).
     * @param steps           Adam steps.
     * @param learningRate    Adam's lr.
     * @param weightDecay     L2 weight decay.
     * @param seed            seed.
     */
    public FineTuningTrainer(Architecture architecture, int[] imageShape, String algorithm, Map<String, String> hyperparameters,
                             BatchMode batchMode, int batchSize, int steps, double learningRate, double weightDecay, long seed) {
        this.architecture = architecture;
        this.imageShape = new ArrayList<>();
        for (int s : imageShape) {
            this.imageShape.add(s);
        }
        this.algorithm = algorithm;
        this.hyperparameters = new HashMap<>(hyperparameters);
        this.batchMode = batchMode;
        this.batchSize = batchSize;
        this.steps = steps;
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.seed = seed;
        postConfig();
    }

    /**
     * Sets the MLP's hidden width.
     *
     * @param width h.
     * @return this trainer.
     */
    public FineTuningTrainer withHidden(int width) {
        this.hidden = width;
        postConfig();
        return this;
    }

    @Override
    public synchronized void postConfig() {
        if (architecture == null || imageShape == null || imageShape.size() != 3 || imageShape.stream().anyMatch(s -> s == null || s < 1)) {
            throw new IllegalArgumentException("imageShape must be channels, height, width (all >= 1), got " + imageShape);
        }
        Algorithms.get(algorithm).hyperparameters().resolve(hyperparameters);    // unknown names, bad values
        if (batchMode == BatchMode.POOLED) {
            throw new IllegalArgumentException("fine-tuning uses FULL or DOMAIN_BALANCED batches: a pooled batch may miss a "
                    + "training domain, and the penalties compare domains");
        }
        if (domainKey == null || domainKey.isBlank() || batchMode == null || steps < 1 || hidden < 1
                || (batchMode == BatchMode.DOMAIN_BALANCED && batchSize < 1)) {
            throw new IllegalArgumentException("invalid settings: " + this);
        }
        Adam.of(learningRate, weightDecay);        // validates
        this.rng = new SplittableRandom(seed);
    }

    private int inputWidth() {
        return imageShape.get(0) * imageShape.get(1) * imageShape.get(2);
    }

    @Override
    public FineTunedModel train(Dataset<Label> examples) {
        return train(examples, Collections.emptyMap());
    }

    @Override
    public FineTunedModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    @Override
    public FineTunedModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        SplittableRandom localRng;
        TrainerProvenance trainerProvenance;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                setInvocationCount(invocationCount);
            }
            localRng = rng.split();
            trainerProvenance = getProvenance();
            invocations++;
        }
        int width = inputWidth();
        String[] names = TribuoDatasets.featureNames(width);
        Map<String, Integer> columns = new HashMap<>();
        for (int j = 0; j < width; j++) {
            columns.put(names[j], j);
        }
        ImmutableOutputInfo<Label> outputInfo = examples.getOutputIDInfo();
        DomainData data = DomainData.densify(examples, domainKey, name -> columns.getOrDefault(name, -1), width, true, outputInfo);
        DomainObjective objective;
        if (data.domainNames().size() == 1) {
            LOG.warning("training data has a single domain ('" + data.domainNames().get(0) + "'): " + algorithm
                    + " has nothing to align, training plain ERM");
            objective = new ErmObjective();
        } else {
            objective = Algorithms.create(algorithm, hyperparameters, localRng.nextLong());
        }
        DataType type = doublePrecision ? DataType.DOUBLE : DataType.FLOAT;
        long initSeed = localRng.nextLong();
        Featurizer featurizer = switch (architecture) {
            case MLP -> new MlpFeaturizer(width, hidden, type, initSeed);
            case MNIST_CNN -> new MnistCnnFeaturizer(imageShape.get(0), imageShape.get(1), imageShape.get(2), type, initSeed);
        };
        FineTuner tuner = new FineTuner(featurizer, outputInfo.size(), objective,
                Adam.of(learningRate, weightDecay), localRng.nextLong());
        tuner.expectDomains(data.domainNames());
        DomainData.Batcher batcher = data.batcher(batchMode, batchSize, localRng);
        int start = resume(tuner, batcher);
        INDArray fullBatch = null;
        for (int step = start; step < steps; step++) {
            int[] rows = batcher.next();
            INDArray x;
            if (batchMode == BatchMode.FULL) {
                if (fullBatch == null) {
                    fullBatch = Nd4j.create(data.floatRows(rows), new long[]{rows.length, width}, 'c').castTo(type);
                }
                x = fullBatch;
            } else {
                x = Nd4j.create(data.floatRows(rows), new long[]{rows.length, width}, 'c').castTo(type);
            }
            FineTuner.StepReport report = tuner.step(x, data.labels(rows), data.domains(rows), step);
            if (stepListener != null) {
                stepListener.afterStep(step, steps, tuner, report);
            }
            if (checkpointDir != null && (step + 1) % checkpointEvery == 0 && step + 1 < steps) {
                try {
                    tuner.saveCheckpoint(checkpointDir, step + 1);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot write the checkpoint after step " + (step + 1)
                            + " into " + checkpointDir, e);
                }
            }
            if (step % 100 == 0 || step == steps - 1) {
                int logged = step;
                LOG.fine(() -> algorithm + " step " + logged + ": objective " + report.value() + " " + report.terms());
            }
        }
        ModelProvenance provenance = new ModelProvenance(FineTunedModel.class.getName(), OffsetDateTime.now(),
                examples.getProvenance(), trainerProvenance, runProvenance);
        return new FineTunedModel("fine-tuned-" + architecture.name().toLowerCase(java.util.Locale.ROOT), provenance,
                examples.getFeatureIDMap(), outputInfo, featurizer.graph(), tuner.head().data, featurizer.featureWidth(), names);
    }

    /**
     * Restores the checkpoint in {@link #withCheckpoints}'s directory, if any, and draws the batches of the steps it
     * covers (the batcher's random stream is replayed, not stored), so that the run continues bit-identically.
     *
     * @return the first step to run.
     */
    private int resume(FineTuner tuner, DomainData.Batcher batcher) {
        if (checkpointDir == null) {
            return 0;
        }
        long done;
        try {
            done = tuner.restoreCheckpoint(checkpointDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the checkpoint in " + checkpointDir, e);
        }
        if (done <= 0) {
            return 0;
        }
        if (done > steps) {
            throw new IllegalStateException("the checkpoint in " + checkpointDir + " is after step " + done
                    + ", beyond this run's " + steps + " steps");
        }
        for (long k = 0; k < done; k++) {
            batcher.next();
        }
        LOG.info("resumed from the checkpoint after step " + done + " in " + checkpointDir);
        return (int) done;
    }

    @Override
    public int getInvocationCount() {
        return invocations;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        if (invocationCount < 0) {
            throw new IllegalArgumentException("invocation count must be >= 0, got " + invocationCount);
        }
        rng = new SplittableRandom(seed);
        for (int i = 0; i < invocationCount; i++) {
            rng.split();
        }
        invocations = invocationCount;
    }

    @Override
    public TrainerProvenance getProvenance() {
        return new TrainerProvenanceImpl(this);
    }

    @Override
    public String toString() {
        return "FineTuningTrainer(architecture=" + architecture + ", imageShape=" + imageShape + ", hidden=" + hidden
                + ", algorithm=" + algorithm + ", hyperparameters=" + new TreeMap<>(hyperparameters) + ", domainKey=" + domainKey
                + ", batchMode=" + batchMode + ", batchSize=" + batchSize + ", steps=" + steps + ", learningRate=" + learningRate
                + ", weightDecay=" + weightDecay + ", doublePrecision=" + doublePrecision + ", seed=" + seed + ")";
    }
}
