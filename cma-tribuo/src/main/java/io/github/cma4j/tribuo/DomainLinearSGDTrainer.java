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
import org.tribuo.VariableInfo;
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
    // a String, not the enum: provenance values stay Tribuo primitives, so the model loads where cma4j is absent
    @Config(description = "Minibatch formation: FULL, POOLED or DOMAIN_BALANCED")
    private String batchMode = BatchMode.POOLED.name();
    @Config(description = "Whether the head has a bias (false: the paper's bias-free linear probe)")
    private boolean bias = true;
    @Config(description = "Number of steps; 0 means epochs × steps per epoch")
    private int steps = 0;
    @Config(description = "Standardise the features over the training data before training (folded back into the model, "
            + "which reads raw features); without a bias only rescaled")
    private boolean standardize = false;
    @Config(description = "L-BFGS iterations of full-batch training on every row (docs/math.md §13) in place of the "
            + "minibatch optimiser; 0 (the default) trains with the optimiser")
    private int lbfgsIterations = 0;
    @Config(description = "L-BFGS's tolerance, when lbfgsIterations > 0")
    private double lbfgsTolerance = 1e-6;

    /** A training domain with fewer examples is refused (variances, covariances and split batches need two). */
    public static final int MIN_DOMAIN_EXAMPLES = 2;
    /** A training domain with fewer examples is warned about. */
    public static final int FEW_DOMAIN_EXAMPLES = 10;
    /** A feature whose scale differs by more than this factor across training domains is warned about. */
    public static final double SCALE_MISMATCH = 1e3;

    private int invocations = 0;
    private volatile List<StepRecord> lastLog = List.of();
    private volatile List<String> lastWarnings = List.of();
    private volatile String lastEffectiveAlgorithm;
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
        this.batchMode = batchMode == null ? null : batchMode.name();
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
        Algorithms.create(algorithm, hyperparameters, 0L);    // unknown names, bad values, negative weights
        validateOptimiser(optimiser);
        if (domainKey == null || domainKey.isBlank() || batchMode == null) {
            throw new IllegalArgumentException("domainKey and batchMode must be set");
        }
        batchMode();
        if (epochs < 1 && steps < 1) {
            throw new IllegalArgumentException("need epochs >= 1 or steps >= 1, got epochs=" + epochs + " steps=" + steps);
        }
        BatchMode mode = batchMode();
        if (mode != BatchMode.FULL && minibatchSize < 1) {
            throw new IllegalArgumentException("minibatchSize must be >= 1, got " + minibatchSize);
        }
    }

    private BatchMode batchMode() {
        try {
            return BatchMode.valueOf(batchMode.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("batchMode must be FULL, POOLED or DOMAIN_BALANCED, got '" + batchMode + "'");
        }
    }

    /**
     * Checks the settings a Tribuo optimiser exposes in its provenance: every learning rate must be positive and
     * finite (Tribuo accepts {@code SGD.getSimpleSGD(-1)}, which trains uphill), every epsilon non-negative.
     */
    static void validateOptimiser(StochasticGradientOptimiser optimiser) {
        for (Map.Entry<String, Provenance> e : optimiser.getProvenance().getConfiguredParameters().entrySet()) {
            if (!(e.getValue() instanceof com.oracle.labs.mlrg.olcut.provenance.PrimitiveProvenance<?> primitive)
                    || !(primitive.getValue() instanceof Number number)) {
                continue;
            }
            String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
            double v = number.doubleValue();
            boolean bad = (name.contains("learningrate") && !(v > 0 && Double.isFinite(v)))
                    || (name.contains("epsilon") && !(v >= 0 && Double.isFinite(v)));
            if (bad) {
                throw new IllegalArgumentException("optimiser " + optimiser.getClass().getSimpleName() + ": " + e.getKey()
                        + " = " + v + " is invalid (learning rates must be > 0, epsilons >= 0, both finite)");
            }
        }
    }

    /**
     * Reads each example's domain from this metadata key (default {@code domain}), e.g. the field name a Tribuo
     * {@code RowProcessor}'s {@code IdentityExtractor} stores it under.
     *
     * @param domainKey the key.
     * @return this trainer.
     */
    public DomainLinearSGDTrainer withDomainKey(String domainKey) {
        this.domainKey = domainKey;
        validate();
        return this;
    }

    /**
     * Standardises the features before training (fitted on the training data, folded back into the returned model).
     *
     * @param standardize whether to.
     * @return this trainer.
     */
    public DomainLinearSGDTrainer withStandardization(boolean standardize) {
        this.standardize = standardize;
        return this;
    }

    /** @return the warnings of the last training run (small domains, features whose scale differs across domains). */
    public List<String> lastWarnings() {
        return lastWarnings;
    }

    /**
     * @return the algorithm the last run actually trained: the configured one, or ERM when the data had a single
     * domain (recorded in the model's run provenance as {@code cma4j.effective-algorithm} too).
     */
    public String lastEffectiveAlgorithm() {
        return lastEffectiveAlgorithm;
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

    /**
     * Trains full batch with cma-core's L-BFGS instead of the minibatch optimiser: the linear-probing protocol, and the
     * same model as cma-spark's {@code DomainLogisticRegression} and {@code FullBatch.train} on the same rows.
     *
     * @param maxIterations L-BFGS's budget, ≥ 1.
     * @param tolerance     its tolerance, &gt; 0.
     * @return this.
     */
    public DomainLinearSGDTrainer withLbfgs(int maxIterations, double tolerance) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("L-BFGS needs at least one iteration, got " + maxIterations);
        }
        new io.github.cma4j.core.optim.Lbfgs(10, maxIterations, tolerance);
        io.github.cma4j.core.optim.FullBatch.checkLbfgs(algorithm, Algorithms.get(algorithm).hyperparameters().resolve(hyperparameters));
        this.lbfgsIterations = maxIterations;
        this.lbfgsTolerance = tolerance;
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
        List<String> warnings = checkDomains(data, featureMap, numFeatures);
        double[][] transform = standardize ? data.standardize(numFeatures, bias) : null;
        DomainObjective objective;
        String effective = Algorithms.get(algorithm).name();
        if (data.domainNames().size() == 1) {
            effective = ErmObjective.NAME;
            warnings.add("training data has a single domain ('" + data.domainNames().get(0) + "'): " + algorithm
                    + " has nothing to align, training plain ERM");
            objective = new ErmObjective();
        } else {
            objective = Algorithms.create(algorithm, hyperparameters, localRng.nextLong());
        }
        warnings.forEach(LOG::warning);
        lastWarnings = List.copyOf(warnings);
        lastEffectiveAlgorithm = effective;
        Map<String, Provenance> runProv = new HashMap<>(runProvenance);
        runProv.put("cma4j.effective-algorithm", new com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance(
                "cma4j.effective-algorithm", effective));
        LinearParameters params = createParameters(numFeatures, numLabels, localRng);
        localOptimiser.initialise(params);
        DomainData.Batcher batcher = data.batcher(batchMode(), minibatchSize, localRng);
        long totalSteps = steps > 0 ? steps : (long) epochs * batcher.stepsPerEpoch();
        List<StepRecord> log = new ArrayList<>();
        DMatrixRMaj W = new DMatrixRMaj(numLabels, width);
        DivergenceGuard guard = new DivergenceGuard();
        java.util.function.Function<DenseMatrix, LinearSGDModel> modelOf = weights -> createModel("domain-linear-sgd-model",
                new ModelProvenance(LinearSGDModel.class.getName(), OffsetDateTime.now(), examples.getProvenance(),
                        trainerProvenance, runProv), featureMap, outputInfo, raw(weights, transform));
        if (lbfgsIterations > 0) {
            return trainLbfgs(data, objective, numLabels, numFeatures, modelOf);
        }
        for (long step = 0; step < totalSteps; step++) {
            int[] rows = batcher.next();
            HeadBatch batch = data.batch(rows, numLabels, bias ? numFeatures : -1);
            copyWeights(params.getWeightMatrix(), W);
            ObjectiveResult result;
            try {
                result = objective.evaluate(batch, W, step, false);
            } catch (IllegalStateException e) {
                throw new TrainingDivergedException(algorithm, step, e.getMessage(),
                        step == 0 ? null : modelOf.apply(params.getWeightMatrix()));
            }
            String diverged = guard.check(result);
            if (diverged != null) {
                throw new TrainingDivergedException(algorithm, step, diverged,
                        step == 0 ? null : modelOf.apply(params.getWeightMatrix()));
            }
            if (result.resetOptimizer()) {
                localOptimiser.reset();
                localOptimiser.initialise(params);
            }
            DenseMatrix before = params.getWeightMatrix().copy();
            DenseMatrix ascent = new DenseMatrix(numLabels, numFeatures + 1);   // Tribuo's layout: bias last
            for (int k = 0; k < numLabels; k++) {
                for (int j = 0; j < width; j++) {
                    ascent.set(k, j, -result.gradW().get(k, j));
                }
            }
            params.update(localOptimiser.step(new Tensor[]{ascent}, 1.0));
            if (!allFinite(params.getWeightMatrix())) {
                throw new TrainingDivergedException(algorithm, step, "the weights became non-finite after the update",
                        modelOf.apply(before));
            }
            if (stepListener != null) {
                stepListener.afterStep(step, totalSteps, transform == null ? params.getWeightMatrix()
                        : raw(params.getWeightMatrix(), transform).getWeightMatrix(), result);
            }
            if (loggingInterval <= 0 || step % loggingInterval == 0 || step == totalSteps - 1) {
                log.add(new StepRecord(step, result.value(), result.terms()));
            }
        }
        localOptimiser.finalise();
        lastLog = List.copyOf(log);
        return modelOf.apply(params.getWeightMatrix());
    }

    /** Full-batch L-BFGS on every row ({@link #withLbfgs}); its stop reason is a warning unless it converged. */
    private LinearSGDModel trainLbfgs(DomainData data, DomainObjective objective, int numLabels, int numFeatures,
                                      java.util.function.Function<DenseMatrix, LinearSGDModel> modelOf) {
        int width = numFeatures + (bias ? 1 : 0);
        HeadBatch all = data.batch(java.util.stream.IntStream.range(0, data.size()).toArray(), numLabels, bias ? numFeatures : -1);
        io.github.cma4j.core.optim.FullBatch.Result r = io.github.cma4j.core.optim.FullBatch.minimize((w, step, gradient) -> {
            ObjectiveResult res = objective.evaluate(all, DMatrixRMaj.wrap(numLabels, width, w.clone()), step, false);
            System.arraycopy(res.gradW().data, 0, gradient, 0, gradient.length);
            return res.value();
        }, new double[numLabels * width], new io.github.cma4j.core.optim.FullBatch.Settings("lbfgs", lbfgsIterations,
                lbfgsTolerance, 10, 1e-3));
        String warning = r.convergenceWarning();
        if (warning != null) {
            LOG.warning(warning);
            List<String> warnings = new ArrayList<>(lastWarnings);
            warnings.add(warning);
            lastWarnings = List.copyOf(warnings);
        }
        List<StepRecord> log = new ArrayList<>();
        for (int k = 0; k < r.values().length; k++) {
            log.add(new StepRecord(k, r.values()[k], Map.of()));
        }
        lastLog = List.copyOf(log);
        DenseMatrix weights = new DenseMatrix(numLabels, numFeatures + 1);      // Tribuo's layout: bias last
        for (int k = 0; k < numLabels; k++) {
            for (int j = 0; j < width; j++) {
                weights.set(k, j, r.w()[k * width + j]);
            }
        }
        return modelOf.apply(weights);
    }

    /**
     * Refuses training domains with fewer than {@link #MIN_DOMAIN_EXAMPLES} examples and returns the warnings: small
     * domains, and features whose scale differs across domains by more than {@link #SCALE_MISMATCH} (at most five
     * named, then a count).
     */
    private List<String> checkDomains(DomainData data, ImmutableFeatureMap featureMap, int numFeatures) {
        List<String> warnings = new ArrayList<>();
        int[] sizes = data.domainSizes();
        for (int d = 0; d < sizes.length; d++) {
            String name = data.domainNames().get(d);
            if (sizes[d] < MIN_DOMAIN_EXAMPLES) {
                throw new IllegalArgumentException("training domain '" + name + "' has " + sizes[d] + " example"
                        + (sizes[d] == 1 ? "" : "s") + "; each training domain needs at least " + MIN_DOMAIN_EXAMPLES);
            }
            if (sizes[d] < FEW_DOMAIN_EXAMPLES) {
                warnings.add("training domain '" + name + "' has only " + sizes[d] + " examples; its per-domain "
                        + "statistics will be noisy");
            }
        }
        String[] names = new String[numFeatures];
        for (VariableInfo info : featureMap) {
            names[featureMap.getID(info.getName())] = info.getName();
        }
        List<String> mismatches = data.scaleMismatches(numFeatures, names, SCALE_MISMATCH);
        for (int t = 0; t < Math.min(5, mismatches.size()); t++) {
            warnings.add(mismatches.get(t) + (standardize ? "" : "; consider standardising the features (standardize = true, or --standardize on the command line)"));
        }
        if (mismatches.size() > 5) {
            warnings.add((mismatches.size() - 5) + " more features differ in scale across domains by more than "
                    + SCALE_MISMATCH + "x");
        }
        return warnings;
    }

    private static void copyWeights(DenseMatrix from, DMatrixRMaj to) {
        for (int k = 0; k < to.numRows; k++) {
            for (int j = 0; j < to.numCols; j++) {
                to.set(k, j, from.get(k, j));
            }
        }
    }

    private static boolean allFinite(DenseMatrix m) {
        for (int k = 0; k < m.getDimension1Size(); k++) {
            for (int j = 0; j < m.getDimension2Size(); j++) {
                if (!Double.isFinite(m.get(k, j))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The parameters for raw features: with standardisation (x − μ)/σ folded in, W_kj/σ_j and the bias
     * b_k − Σ_j W_kj μ_j/σ_j; otherwise a copy.
     */
    private static LinearParameters raw(DenseMatrix w, double[][] transform) {
        LinearParameters out = new LinearParameters(w.getDimension2Size(), w.getDimension1Size());
        DenseMatrix o = out.getWeightMatrix();
        int bias = w.getDimension2Size() - 1;
        for (int k = 0; k < w.getDimension1Size(); k++) {
            double shift = 0;
            for (int j = 0; j < w.getDimension2Size(); j++) {
                double v = w.get(k, j);
                if (transform != null && j < transform[1].length) {
                    v /= transform[1][j];
                    shift += v * transform[0][j];
                }
                o.set(k, j, v);
            }
            o.set(k, bias, o.get(k, bias) - shift);
        }
        return out;
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
