package io.github.cma4j.spark;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;

import java.util.Arrays;
import java.util.List;

/**
 * The head {@link DomainLogisticRegression} trained: rawPrediction z = W x + b, probability softmax(z), prediction
 * argmax. It keeps every training setting as a parameter, the training domains with their row counts, the
 * objective after every step and why the optimiser stopped; {@link #write()} saves all of it (Spark's metadata plus
 * one Parquet row), {@link #load} reads it, and it persists inside a {@code PipelineModel}.
 */
public final class DomainLogisticRegressionModel
        extends ProbabilisticClassificationModel<Vector, DomainLogisticRegressionModel> implements MLWritable {
    private final String uid;
    private final DomainParams p;
    private final int numClasses;
    private final int numFeatures;
    private final boolean intercept;
    /** C × (D [+1]) row-major, the intercept last. */
    private final double[] weights;
    private final List<String> domains;
    private final long[] domainCounts;
    private final double[] objectiveHistory;
    private final String stop;
    private final List<String> warnings;

    DomainLogisticRegressionModel(String uid, int numClasses, int numFeatures, boolean intercept, double[] weights,
                                  List<String> domains, long[] domainCounts, double[] objectiveHistory, String stop,
                                  List<String> warnings) {
        this(DomainParams.constructing(uid), numClasses, numFeatures, intercept, weights, domains, domainCounts,
                objectiveHistory, stop, warnings, true);
    }

    private DomainLogisticRegressionModel(String uid, int numClasses, int numFeatures, boolean intercept, double[] weights,
                                          List<String> domains, long[] domainCounts, double[] objectiveHistory, String stop,
                                          List<String> warnings, boolean marker) {
        this.uid = uid;
        DomainParams.constructed();
        this.p = new DomainParams(this);
        p.setDefaults(this);
        this.numClasses = numClasses;
        this.numFeatures = numFeatures;
        this.intercept = intercept;
        this.weights = weights.clone();
        this.domains = List.copyOf(domains);
        this.domainCounts = domainCounts.clone();
        this.objectiveHistory = objectiveHistory.clone();
        this.stop = stop;
        this.warnings = List.copyOf(warnings);
    }

    @Override
    public String uid() {
        return DomainParams.uidOf(uid);
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        return numFeatures;
    }

    private int width() {
        return numFeatures + (intercept ? 1 : 0);
    }

    /** @return W, C × D. */
    public Matrix coefficientMatrix() {
        double[] w = new double[numClasses * numFeatures];
        for (int k = 0; k < numClasses; k++) {
            System.arraycopy(weights, k * width(), w, k * numFeatures, numFeatures);
        }
        return new DenseMatrix(numClasses, numFeatures, w, true);
    }

    /** @return b, length C (zeros without an intercept). */
    public Vector interceptVector() {
        double[] b = new double[numClasses];
        for (int k = 0; intercept && k < numClasses; k++) {
            b[k] = weights[k * width() + numFeatures];
        }
        return Vectors.dense(b);
    }

    /** @return the training domains' values, in the order of their ids. */
    public List<String> trainingDomains() {
        return domains;
    }

    /** @return the training rows per domain, in the order of {@link #trainingDomains()}. */
    public long[] domainCounts() {
        return domainCounts.clone();
    }

    /** @return the objective at the start and after every step. */
    public double[] objectiveHistory() {
        return objectiveHistory.clone();
    }

    /** @return {@code converged}, {@code max_iterations} or {@code line_search_failed}. */
    public String stopReason() {
        return stop;
    }

    /** @return what training warned about (also logged): a penalty that never switched on, no convergence. */
    public List<String> warnings() {
        return warnings;
    }

    public Param<String> domainCol() {
        return p.domainCol;
    }

    public Param<String> algorithm() {
        return p.algorithm;
    }

    public Param<String> hyperparameters() {
        return p.hyperparameters;
    }

    public Param<String> optimizer() {
        return p.optimizer;
    }

    public IntParam maxIter() {
        return p.maxIter;
    }

    public DoubleParam tol() {
        return p.tol;
    }

    public IntParam memory() {
        return p.memory;
    }

    public DoubleParam stepSize() {
        return p.stepSize;
    }

    public BooleanParam fitIntercept() {
        return p.fitIntercept;
    }

    @Override
    public Vector predictRaw(Vector features) {
        if (features.size() != numFeatures) {
            throw new IllegalArgumentException("a vector of " + features.size() + " features; the model was trained on " + numFeatures);
        }
        double[] z = new double[numClasses];
        int width = width();
        for (int k = 0; k < numClasses; k++) {
            int o = k * width;
            double s = intercept ? weights[o + numFeatures] : 0.0;
            double[] x = features.toArray();
            for (int j = 0; j < numFeatures; j++) {
                s += weights[o + j] * x[j];
            }
            z[k] = s;
        }
        return new DenseVector(z);
    }

    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        double[] z = ((DenseVector) rawPrediction).values();
        double max = Arrays.stream(z).max().orElseThrow();
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            z[k] = Math.exp(z[k] - max);
            sum += z[k];
        }
        for (int k = 0; k < z.length; k++) {
            z[k] /= sum;
        }
        return rawPrediction;
    }

    @Override
    public DomainLogisticRegressionModel copy(ParamMap extra) {
        DomainLogisticRegressionModel copy = new DomainLogisticRegressionModel(uid, numClasses, numFeatures, intercept, weights,
                domains, domainCounts, objectiveHistory, stop, warnings);
        return copyValues(copy, extra).setParent(parent());
    }

    /** Resolves Java's view of two inherited Scala methods of the same name (summary models are not used here). */
    @Override
    @SuppressWarnings("rawtypes")
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** @return a reader of saved models (Spark's MLReadable convention, found by reflection). */
    public static MLReader<DomainLogisticRegressionModel> read() {
        return new Reader();
    }

    /**
     * @param path where {@link #save} wrote it.
     * @return the model.
     */
    public static DomainLogisticRegressionModel load(String path) {
        return read().load(path);
    }

    private static final StructType DATA = new StructType()
            .add("numClasses", DataTypes.IntegerType, false)
            .add("numFeatures", DataTypes.IntegerType, false)
            .add("intercept", DataTypes.BooleanType, false)
            .add("weights", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("domains", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("domainCounts", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("objectiveHistory", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("stop", DataTypes.StringType, false)
            .add("warnings", DataTypes.createArrayType(DataTypes.StringType, false), false);

    private static final class Writer extends MLWriter {
        private final DomainLogisticRegressionModel m;

        Writer(DomainLogisticRegressionModel m) {
            this.m = m;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(m, path, sc(), Option.empty(), Option.empty());
            Row row = RowFactory.create(m.numClasses, m.numFeatures, m.intercept, boxed(m.weights), m.domains.toArray(new String[0]),
                    Arrays.stream(m.domainCounts).boxed().toArray(Long[]::new), boxed(m.objectiveHistory), m.stop,
                    m.warnings.toArray(new String[0]));
            sparkSession().createDataFrame(List.of(row), DATA).repartition(1).write().parquet(path + "/data");
        }

        private static Double[] boxed(double[] v) {
            return Arrays.stream(v).boxed().toArray(Double[]::new);
        }
    }

    private static final class Reader extends MLReader<DomainLogisticRegressionModel> {
        @Override
        public DomainLogisticRegressionModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(),
                    DomainLogisticRegressionModel.class.getName());
            Row r = sparkSession().read().parquet(path + "/data").first();
            DomainLogisticRegressionModel model = new DomainLogisticRegressionModel(metadata.uid(), r.getInt(0), r.getInt(1),
                    r.getBoolean(2), doubles(r.getList(3)), r.<String>getList(4), r.<Long>getList(5).stream().mapToLong(Long::longValue).toArray(),
                    doubles(r.getList(6)), r.getString(7), r.<String>getList(8));
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }

        private static double[] doubles(List<Object> v) {
            return v.stream().mapToDouble(o -> (Double) o).toArray();
        }
    }
}
