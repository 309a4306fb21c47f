package io.github.cma4j.spark;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.optim.FullBatch;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.storage.StorageLevel;
import org.ejml.data.DMatrixRMaj;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A linear softmax head trained with a cma4j domain-generalisation objective on a Spark DataFrame, full batch
 * (docs/math.md §12–13): each evaluation of the objective is two tree-aggregates over the cached rows, and the
 * optimiser ({@link FullBatch}: L-BFGS or Adam) runs on the driver, which holds O(E·C²·D²) numbers at most.
 * <pre>
 *   new DomainLogisticRegression().setAlgorithm("CMA").setHyperparameters(Map.of("grad_alpha", "100"))
 *       .setFeaturesCol("features").setLabelCol("label").setDomainCol("site").fit(df)
 * </pre>
 * Labels are 0, 1, …, C−1 (as StringIndexer makes them); the domain column is a string or integer column. The
 * objective, its settings and the optimiser's path are kept on the model ({@link DomainLogisticRegressionModel}).
 * One domain is refused for every algorithm but ERM, which has nothing to compare.
 */
public final class DomainLogisticRegression
        extends ProbabilisticClassifier<Vector, DomainLogisticRegression, DomainLogisticRegressionModel>
        implements DefaultParamsWritable {
    private static final Logger LOG = LoggerFactory.getLogger(DomainLogisticRegression.class);

    private final String uid;
    private final DomainParams p;

    /** A new estimator with a random uid. */
    public DomainLogisticRegression() {
        this(Identifiable$.MODULE$.randomUID("domainLogReg"));
    }

    /** @param uid the estimator's uid. */
    public DomainLogisticRegression(String uid) {
        this(DomainParams.constructing(uid), true);
    }

    private DomainLogisticRegression(String uid, boolean marker) {
        this.uid = uid;
        DomainParams.constructed();
        this.p = new DomainParams(this);
        p.setDefaults(this);
    }

    @Override
    public String uid() {
        return DomainParams.uidOf(uid);
    }

    /** @return the domain column's parameter. */
    public Param<String> domainCol() {
        return p.domainCol;
    }

    /** @return the algorithm's parameter. */
    public Param<String> algorithm() {
        return p.algorithm;
    }

    /** @return the hyperparameters' parameter. */
    public Param<String> hyperparameters() {
        return p.hyperparameters;
    }

    /** @return the optimiser's parameter. */
    public Param<String> optimizer() {
        return p.optimizer;
    }

    /** @return the iteration budget's parameter. */
    public IntParam maxIter() {
        return p.maxIter;
    }

    /** @return L-BFGS's tolerance parameter. */
    public DoubleParam tol() {
        return p.tol;
    }

    /** @return L-BFGS's memory parameter. */
    public IntParam memory() {
        return p.memory;
    }

    /** @return Adam's learning-rate parameter. */
    public DoubleParam stepSize() {
        return p.stepSize;
    }

    /** @return the intercept parameter. */
    public BooleanParam fitIntercept() {
        return p.fitIntercept;
    }

    public DomainLogisticRegression setDomainCol(String value) {
        return (DomainLogisticRegression) set(p.domainCol, value);
    }

    public DomainLogisticRegression setAlgorithm(String value) {
        return (DomainLogisticRegression) set(p.algorithm, value);
    }

    /** @param value the algorithm's hyperparameters; keys not given keep the registry's defaults. */
    public DomainLogisticRegression setHyperparameters(Map<String, String> value) {
        return (DomainLogisticRegression) set(p.hyperparameters, DomainParams.encode(value));
    }

    public DomainLogisticRegression setOptimizer(String value) {
        return (DomainLogisticRegression) set(p.optimizer, value.toLowerCase(Locale.ROOT));
    }

    public DomainLogisticRegression setMaxIter(int value) {
        return (DomainLogisticRegression) set(p.maxIter, value);
    }

    public DomainLogisticRegression setTol(double value) {
        return (DomainLogisticRegression) set(p.tol, value);
    }

    public DomainLogisticRegression setMemory(int value) {
        return (DomainLogisticRegression) set(p.memory, value);
    }

    public DomainLogisticRegression setStepSize(double value) {
        return (DomainLogisticRegression) set(p.stepSize, value);
    }

    public DomainLogisticRegression setFitIntercept(boolean value) {
        return (DomainLogisticRegression) set(p.fitIntercept, value);
    }

    /** @return the hyperparameters as a map. */
    public Map<String, String> getHyperparameters() {
        return DomainParams.decode($(p.hyperparameters));
    }

    @Override
    public DomainLogisticRegressionModel train(Dataset<?> dataset) {
        String algorithmName = $(p.algorithm);
        Map<String, String> overrides = getHyperparameters();
        DistributedObjective objective = DistributedObjective.of(algorithmName, overrides);
        FullBatch.Settings settings = new FullBatch.Settings($(p.optimizer), (Integer) $(p.maxIter), (Double) $(p.tol),
                (Integer) $(p.memory), (Double) $(p.stepSize));
        Hyperparameters hp = Algorithms.get(algorithmName).hyperparameters().resolve(overrides);
        if (settings.optimizer().equals("lbfgs")) {
            FullBatch.checkLbfgs(algorithmName, hp);
        }
        boolean intercept = (Boolean) $(p.fitIntercept);
        DomainFrames.Prepared data = DomainFrames.prepare(dataset, getFeaturesCol(), getLabelCol(), $(p.domainCol), intercept);
        List<String> warnings = new ArrayList<>();
        if (data.domains().size() < 2 && !objective.name().equals("ERM")) {
            throw new IllegalArgumentException("domain column '" + $(p.domainCol) + "' has one value ('" + data.domains().get(0)
                    + "'); " + objective.name() + " compares domains and needs at least two (setAlgorithm(\"ERM\") trains without them)");
        }
        if (settings.optimizer().equals("adam")) {
            for (var penalty : Algorithms.get(algorithmName).penalties()) {
                if (penalty.annealAt(hp) >= settings.maxIterations() && penalty.weightAt(hp, 0) != penalty.weightAt(hp, FullBatch.FINAL_STEP)) {
                    warnings.add(penalty.term() + " never reaches its weight: its warm-up (" + penalty.annealKey() + "="
                            + penalty.annealAt(hp) + ") is not over within maxIter=" + settings.maxIterations());
                }
            }
        }
        int c = data.numClasses();
        int e = data.domains().size();
        int d = data.width();
        JavaRDD<DomainBlock> blocks = DomainBlock.of(data.rows(), c, e, d).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            DomainFrames.unwrap(blocks::count);                     // reads and checks every row once
            FullBatch.Result result = DomainFrames.unwrap(() -> FullBatch.minimize(
                    (w, step, gradient) -> {
                        DistributedObjective.Result r = objective.evaluateBlocks(blocks, c, e, DMatrixRMaj.wrap(c, d, w), step);
                        System.arraycopy(r.gradW().data, 0, gradient, 0, gradient.length);
                        return r.value();
                    }, new double[c * d], settings));
            if (result.convergenceWarning() != null) {
                warnings.add(result.convergenceWarning());
            }
            warnings.forEach(LOG::warn);
            DomainLogisticRegressionModel model = new DomainLogisticRegressionModel(uid, c, d - (intercept ? 1 : 0), intercept,
                    result.w(), data.domains(), data.counts(), result.values(), result.stop(), warnings);
            return copyValues(model, extractParamMap());
        } finally {
            blocks.unpersist(false);
        }
    }

    @Override
    public DomainLogisticRegression copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** @return a reader of saved estimators (Spark's MLReadable convention, found by reflection). */
    public static MLReader<DomainLogisticRegression> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * @param path where {@link #save} wrote it.
     * @return the estimator.
     */
    public static DomainLogisticRegression load(String path) {
        return read().load(path);
    }
}
