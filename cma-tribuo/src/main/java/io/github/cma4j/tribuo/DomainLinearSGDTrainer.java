package io.github.cma4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.algorithm.ErmObjective;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.ejml.data.DMatrixRMaj;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.Tensor;
import org.tribuo.provenance.ModelProvenance;
import org.tribuo.provenance.TrainerProvenance;

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
 * Domain-aware linear probing: trains a linear softmax head with any algorithm of cma4j's registry —
 * closed-form moment alignment (CMA) or a DomainBed baseline — and returns a standard Tribuo
 * {@link LinearSGDModel}, so protobuf serialization, ONNX export, {@code getTopFeatures} and
 * {@code LabelEvaluator} work unchanged.
 * <p>
 * Each example's domain is read from its metadata ({@code domainKey}, default {@code domain}). The objective and
 * its exact gradients come from cma-core ({@link DomainObjective}); this class only does Tribuo's bookkeeping:
 * it densifies the features, forms minibatches ({@link BatchMode}), hands the optimiser the <em>ascent</em>
 * direction −∇L (Tribuo's sign convention), and resets the optimiser when the objective asks (annealing).
 * <p>
 * Differences from Tribuo's own SGD loop, on purpose: the gradient is the minibatch <em>mean</em> (Tribuo's loop
 * multiplies the summed gradient by the batch size); and with {@code bias = false} the bias column of
 * {@link LinearParameters} stays 0 (the paper's bias-free linear probe), otherwise a constant-1 feature is folded
 * in last, as Tribuo's models expect. The default optimiser is cma4j's {@link AdamOptimiser}; Tribuo 4.3.2's
 * {@code Adam} is refused because it is wrong.
 * <p>
 * Every setting is an OLCUT {@code @Config} field and lands in the model's provenance, so
 * {@code ProvenanceUtil.extractConfiguration} rebuilds a trainer that retrains bit-identical weights.
 */
public class DomainLinearSGDTrainer extends LinearSGDTrainer {
    private static final Logger LOG = Logger.getLogger(DomainLinearSGDTrainer.class.getName());

    @Config(description = "Algorithm, by cma4j registry name (ERM, IRM, VREx, CORAL, Fishr, HGP, Hutchinson, GroupDRO, CMA, CMA-diag)")
    private String algorithm = "CMA";
    @Config(description = "The algorithm's hyperparameters (registry names, e.g. grad_alpha); unspecified ones keep their defaults")
    private Map<String, String> hyperparameters = new HashMap<>();
    @Config(description = "Example metadata key holding the domain")
    private String domainKey = "domain";
    @Config(description = "Minibatch formation: FULL, POOLED or DOMAIN_BALANCED")
    private BatchMode batchMode = BatchMode.POOLED;
    @Config(description = "Whether the head has a bias (false: the paper's bias-free linear probe)")
    private boolean bias = true;
    @Config(description = "Number of steps; 0 means epochs × steps per epoch")
    private int steps = 0;

    private int invocations = 0;
    private volatile List<StepRecord> lastLog = List.of();
    private transient StepListener stepListener;

    /** Observes training, e.g. to evaluate checkpoints; not part of the configuration or provenance. */
    @FunctionalInterface
    public interface StepListener {
        /**
         * Called after every optimiser step.
         *
         * @param step       the step just taken (0-based).
         * @param totalSteps the number of steps of the run.
         * @param weights    the head after the step, classes × (features + 1), bias last (Tribuo's ids). Do not keep.
         * @param result     the objective evaluated at this step (before the update).
         */
        void afterStep(long step, long totalSteps, DenseMatrix weights, ObjectiveResult result);
    }

    /**
     * @param listener called after every step of subsequent training runs, or null for none.
     */
    public void setStepListener(StepListener listener) {
        this.stepListener = listener;
    }

    /**
     * One logged training step.
     *
     * @param step  the step.
     * @param value the objective's value.
     * @param terms its parts (cross-entropy, penalties, weights in force).
     */
    public record StepRecord(long step, double value, Map<String, Double> terms) {
    }

    /**
     * @param algorithm       registry name.
     * @param hyperparameters the algorithm's hyperparameter overrides. Copied.
     * @param optimiser       any Tribuo optimiser except Tribuo 4.3.2's {@code Adam}.
     * @param epochs          passes over the data (ignored when {@code steps > 0}).
     * @param minibatchSize   batch size (per domain in DOMAIN_BALANCED mode; ignored in FULL mode).
     * @param batchMode       how batches are formed.
     * @param bias            whether the head has a bias.
     * @param seed            RNG seed.
     */
    public DomainLinearSGDTrainer(String algorithm, Map<String, String> hyperparameters, StochasticGradientOptimiser optimiser,
                                  int epochs, int minibatchSize, BatchMode batchMode, boolean bias, long seed) {
        super(new LogMulticlass(), optimiser, epochs, -1, minibatchSize, seed);
        this.algorithm = algorithm;
        this.hyperparameters = new HashMap<>(hyperparameters);
        this.batchMode = batchMode;
        this.bias = bias;
        validate();
    }

    /**
     * With cma4j's Adam (lr 1e-3).
     *
     * @param algorithm       registry name.
     * @param hyperparameters overrides.
     * @param epochs          epochs.
     * @param minibatchSize   batch size.
     * @param batchMode       batch formation.
     * @param seed            seed.
     */
    public DomainLinearSGDTrainer(String algorithm, Map<String, String> hyperparameters, int epochs, int minibatchSize,
                                  BatchMode batchMode, long seed) {
        this(algorithm, hyperparameters, new AdamOptimiser(1e-3), epochs, minibatchSize, batchMode, true, seed);
    }

    /** For OLCUT. */
    protected DomainLinearSGDTrainer() {
        super(new LogMulticlass(), new AdamOptimiser(1e-3), 5, -1, 1, Trainer.DEFAULT_SEED);
    }

    /**
     * Runs after OLCUT has set the fields — and, a Tribuo 4.3.2 quirk, also from the superclass constructor before
     * this class's fields exist, so it tolerates them being unset.
     */
    @Override
    public synchronized void postConfig() {
        super.postConfig();
        if (algorithm != null && hyperparameters != null && domainKey != null && batchMode != null) {
            validate();
        }
    }

    private void validate() {
        if (optimiser instanceof org.tribuo.math.optimisers.Adam) {
            throw new IllegalArgumentException("Tribuo 4.3.2's Adam multiplies by sqrt(v)+eps where it should divide; "
                    + "use io.github.cma4j.tribuo.optim.AdamOptimiser instead");
        }
        Algorithms.get(algorithm).hyperparameters().resolve(hyperparameters);    // unknown names, bad values
        if (domainKey == null || domainKey.isBlank() || batchMode == null) {
            throw new IllegalArgumentException("domainKey and batchMode must be set");
        }
        if (epochs < 1 && steps < 1) {
            throw new IllegalArgumentException("need epochs >= 1 or steps >= 1, got epochs=" + epochs + " steps=" + steps);
        }
        if (batchMode != BatchMode.FULL && minibatchSize < 1) {
            throw new IllegalArgumentException("minibatchSize must be >= 1, got " + minibatchSize);
        }
    }

    /**
     * Trains for a fixed number of steps instead of epochs.
     *
     * @param numSteps steps, >= 1.
     * @return this trainer.
     */
    public DomainLinearSGDTrainer withSteps(int numSteps) {
        this.steps = numSteps;
        validate();
        return this;
    }

    /** @return the log of the last training run: every step's value and terms (or every loggingInterval-th). */
    public List<StepRecord> lastTrainingLog() {
        return lastLog;
    }

    @Override
    public LinearSGDModel train(Dataset<Label> examples) {
        return train(examples, Collections.emptyMap());
    }

    @Override
    public LinearSGDModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance) {
        return train(examples, runProvenance, INCREMENT_INVOCATION_COUNT);
    }

    @Override
    public LinearSGDModel train(Dataset<Label> examples, Map<String, Provenance> runProvenance, int invocationCount) {
        validate();
        if (examples.size() == 0) {
            throw new IllegalArgumentException("cannot train on an empty dataset");
        }
        SplittableRandom localRng;
        TrainerProvenance trainerProvenance;
        StochasticGradientOptimiser localOptimiser;
        synchronized (this) {
            if (invocationCount != INCREMENT_INVOCATION_COUNT) {
                setInvocationCount(invocationCount);
            }
            localRng = rng.split();
            localOptimiser = optimiser.copy();
            trainerProvenance = getProvenance();
            invocations++;
        }
        ImmutableFeatureMap featureMap = examples.getFeatureIDMap();
        ImmutableOutputInfo<Label> outputInfo = examples.getOutputIDInfo();
        int numFeatures = featureMap.size();
        int numLabels = outputInfo.size();
        int width = numFeatures + (bias ? 1 : 0);
        DomainData data = DomainData.densify(examples, domainKey, featureMap::getID, width, false, outputInfo);
        if (bias) {
            data.fillColumn(numFeatures, 1.0);         // bias, last as in Tribuo's LinearParameters
        }
        DomainObjective objective;
        if (data.domainNames().size() == 1) {
            LOG.warning("training data has a single domain ('" + data.domainNames().get(0) + "'): " + algorithm
                    + " has nothing to align, training plain ERM");
            objective = new ErmObjective();
        } else {
            objective = Algorithms.create(algorithm, hyperparameters, localRng.nextLong());
        }
        LinearParameters params = createParameters(numFeatures, numLabels, localRng);
        localOptimiser.initialise(params);
        DomainData.Batcher batcher = data.batcher(batchMode, minibatchSize, localRng);
        long totalSteps = steps > 0 ? steps : (long) epochs * batcher.stepsPerEpoch();
        List<StepRecord> log = new ArrayList<>();
        DMatrixRMaj W = new DMatrixRMaj(numLabels, width);
        for (long step = 0; step < totalSteps; step++) {
            int[] rows = batcher.next();
            HeadBatch batch = data.batch(rows, numLabels, bias ? numFeatures : -1);
            DenseMatrix weights = params.getWeightMatrix();
            for (int k = 0; k < numLabels; k++) {
                for (int j = 0; j < width; j++) {
                    double w = weights.get(k, j);
                    if (!Double.isFinite(w)) {
                        throw new IllegalStateException(algorithm + " at step " + step + ": the weights are not finite "
                                + "(diverged); lower the learning rate or the penalty weights");
                    }
                    W.set(k, j, w);
                }
            }
            ObjectiveResult result;
            try {
                result = objective.evaluate(batch, W, step, false);
            } catch (IllegalStateException e) {
                // a non-finite objective: say at which step, and what to change (HeadPass names the terms)
                throw new IllegalStateException(algorithm + " at step " + step + ": " + e.getMessage()
                        + "; lower the learning rate or the penalty weights", e);
            }
            if (result.resetOptimizer()) {
                localOptimiser.reset();
                localOptimiser.initialise(params);
            }
            DenseMatrix ascent = new DenseMatrix(numLabels, numFeatures + 1);   // Tribuo's layout: bias last
            for (int k = 0; k < numLabels; k++) {
                for (int j = 0; j < width; j++) {
                    ascent.set(k, j, -result.gradW().get(k, j));
                }
            }
            params.update(localOptimiser.step(new Tensor[]{ascent}, 1.0));
            if (stepListener != null) {
                stepListener.afterStep(step, totalSteps, params.getWeightMatrix(), result);
            }
            if (loggingInterval <= 0 || step % loggingInterval == 0 || step == totalSteps - 1) {
                log.add(new StepRecord(step, result.value(), result.terms()));
            }
        }
        localOptimiser.finalise();
        lastLog = List.copyOf(log);
        ModelProvenance provenance = new ModelProvenance(LinearSGDModel.class.getName(), OffsetDateTime.now(),
                examples.getProvenance(), trainerProvenance, runProvenance);
        return createModel("domain-linear-sgd-model", provenance, featureMap, outputInfo, params);
    }

    @Override
    public int getInvocationCount() {
        return invocations;
    }

    @Override
    public synchronized void setInvocationCount(int invocationCount) {
        super.setInvocationCount(invocationCount);
        this.invocations = invocationCount;
    }

    @Override
    public String toString() {
        return "DomainLinearSGDTrainer(algorithm=" + algorithm + ", hyperparameters=" + new TreeMap<>(hyperparameters)
                + ", domainKey=" + domainKey + ", batchMode=" + batchMode + ", bias=" + bias + ", optimiser=" + optimiser
                + ", epochs=" + epochs + ", steps=" + steps + ", minibatchSize=" + minibatchSize + ", seed=" + seed + ")";
    }
}
