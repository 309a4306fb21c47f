package io.github.cma4j.spark;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.optim.FullBatch;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark ML estimator: the same model as cma-core's full-batch training on one machine, Spark ML's columns,
 * persistence alone and inside a Pipeline, and the bad inputs named.
 */
class DomainLogisticRegressionTest {
    private static SparkSession spark;
    private static final String[] SITES = {"clinic", "hospital", "lab"};
    private static final StructType SCHEMA = new StructType().add("features", SQLDataTypes.VectorType())
            .add("label", DataTypes.DoubleType).add("site", DataTypes.StringType);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("cma4j-estimator-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** 3 sites × 40 rows, 3 classes, 3 features shifted per site, noisy labels (a finite optimum). */
    private static List<Row> rows() {
        SplittableRandom rng = new SplittableRandom(21);
        List<Row> rows = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            for (int i = 0; i < 40; i++) {
                int y = rng.nextInt(3);
                double[] x = new double[3];
                for (int j = 0; j < 3; j++) {
                    x[j] = rng.nextGaussian() + (j == y ? 1.0 : 0.0) + 0.4 * e * (j == 2 ? 1 : 0);
                }
                rows.add(RowFactory.create(Vectors.dense(x), (double) y, SITES[e]));
            }
        }
        return rows;
    }

    private static Dataset<Row> frame(List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    /** The same rows for cma-core, the intercept as a constant-1 last column, domain ids in sorted order. */
    private static HeadBatch batch(List<Row> rows) {
        DMatrixRMaj X = new DMatrixRMaj(rows.size(), 4);
        int[] y = new int[rows.size()];
        int[] d = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            double[] x = ((Vector) rows.get(i).get(0)).toArray();
            for (int j = 0; j < 3; j++) {
                X.set(i, j, x[j]);
            }
            X.set(i, 3, 1.0);
            y[i] = (int) rows.get(i).getDouble(1);
            d[i] = List.of(SITES).indexOf(rows.get(i).getString(2));
        }
        return new HeadBatch(X, y, d, 3, 3);
    }

    private static final Map<String, String> CMA = Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0");

    private static void assertSameHead(double[] expected, DomainLogisticRegressionModel model, double tolerance) {
        double[] w = model.coefficientMatrix().toArray();        // column-major C×D
        double[] b = model.interceptVector().toArray();
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[k * 4 + j], w[j * 3 + k], tolerance, "W[" + k + "," + j + "]");
            }
            assertEquals(expected[k * 4 + 3], b[k], tolerance, "b[" + k + "]");
        }
    }

    @Test
    void lbfgsOnSparkTrainsTheModelOneMachineTrains() {
        List<Row> rows = rows();
        FullBatch.Result local = FullBatch.train("CMA", CMA, batch(rows), FullBatch.Settings.lbfgs());
        DomainLogisticRegressionModel model = new DomainLogisticRegression().setAlgorithm("CMA").setHyperparameters(CMA)
                .setDomainCol("site").fit(frame(rows, 3));
        assertEquals("converged", model.stopReason());
        assertEquals(local.values().length, model.objectiveHistory().length, "same number of L-BFGS iterations");
        assertEquals(local.value(), model.objectiveHistory()[model.objectiveHistory().length - 1], 1e-9 * local.value());
        assertSameHead(local.w(), model, 1e-7);
        assertEquals(List.of(SITES), model.trainingDomains());
        assertArrayEquals(new long[]{40, 40, 40}, model.domainCounts());
    }

    @Test
    void adamWithGroupDroFollowsOneMachineStepByStep() {
        List<Row> rows = rows();
        Map<String, String> hp = Map.of("groupdro_eta", "0.5");
        FullBatch.Result local = FullBatch.train("GroupDRO", hp, batch(rows), new FullBatch.Settings("adam", 25, 1e-6, 10, 0.05));
        DomainLogisticRegressionModel model = new DomainLogisticRegression().setAlgorithm("GroupDRO").setHyperparameters(hp)
                .setOptimizer("adam").setMaxIter(25).setStepSize(0.05).setDomainCol("site").fit(frame(rows, 2));
        assertSameHead(local.w(), model, 1e-10);
        assertEquals("max_iterations", model.stopReason());
    }

    @Test
    void transformGivesSparkMlColumnsAndSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
        Dataset<Row> data = frame(rows(), 2);
        DomainLogisticRegressionModel model = new DomainLogisticRegression().setHyperparameters(CMA).setDomainCol("site").fit(data);
        Row first = model.transform(data).select("rawPrediction", "probability", "prediction").first();
        double[] raw = ((Vector) first.get(0)).toArray();
        double[] probability = ((Vector) first.get(1)).toArray();
        assertEquals(1.0, probability[0] + probability[1] + probability[2], 1e-12);
        assertEquals(Math.exp(raw[0] - raw[1]), probability[0] / probability[1], 1e-9);
        int argmax = raw[0] >= raw[1] && raw[0] >= raw[2] ? 0 : raw[1] >= raw[2] ? 1 : 2;
        assertEquals(argmax, first.getDouble(2));

        String path = dir.resolve("model").toString();
        model.save(path);
        DomainLogisticRegressionModel loaded = DomainLogisticRegressionModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertEquals("CMA", loaded.getOrDefault(loaded.algorithm()));
        assertEquals(DomainParams.encode(CMA), loaded.getOrDefault(loaded.hyperparameters()));
        assertEquals("site", loaded.getOrDefault(loaded.domainCol()));
        assertArrayEquals(model.objectiveHistory(), loaded.objectiveHistory());
        List<Row> before = model.transform(data).select("probability").collectAsList();
        List<Row> after = loaded.transform(data).select("probability").collectAsList();
        assertEquals(before, after);

        String estimatorPath = dir.resolve("estimator").toString();
        new DomainLogisticRegression().setAlgorithm("VREx").setDomainCol("site").setMaxIter(7).save(estimatorPath);
        DomainLogisticRegression estimator = DomainLogisticRegression.load(estimatorPath);
        assertEquals("VREx", estimator.getOrDefault(estimator.algorithm()));
        assertEquals(7, estimator.getOrDefault(estimator.maxIter()));
    }

    @Test
    void fitsInAPipelineAfterVectorAssemblerAndStandardScalerAndPersistsWithIt(@TempDir Path dir) throws Exception {
        List<Row> raw = new ArrayList<>();
        for (Row r : rows()) {
            double[] x = ((Vector) r.get(0)).toArray();
            raw.add(RowFactory.create(x[0] * 1000, x[1], x[2] - 5, r.getDouble(1), r.getString(2)));
        }
        StructType schema = new StructType().add("age", DataTypes.DoubleType).add("dose", DataTypes.DoubleType)
                .add("score", DataTypes.DoubleType).add("label", DataTypes.DoubleType).add("site", DataTypes.StringType);
        Dataset<Row> data = spark.createDataFrame(raw, schema);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[]{
                new VectorAssembler().setInputCols(new String[]{"age", "dose", "score"}).setOutputCol("raw"),
                new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
                new DomainLogisticRegression().setAlgorithm("CMA").setHyperparameters(CMA).setDomainCol("site")});
        PipelineModel fitted = pipeline.fit(data);
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        assertEquals(fitted.transform(data).select("probability").collectAsList(),
                loaded.transform(data).select("probability").collectAsList());
        double accuracy = loaded.transform(data).where(col("prediction").equalTo(col("label"))).count() / (double) raw.size();
        assertTrue(accuracy > 0.5, "training accuracy " + accuracy);
    }

    @Test
    void emptyPartitionsChangeNothing() {
        List<Row> rows = rows();
        DomainLogisticRegression estimator = new DomainLogisticRegression().setHyperparameters(CMA).setDomainCol("site").setMaxIter(5);
        DomainLogisticRegressionModel few = estimator.fit(frame(rows, 1));
        // three sites hashed into eight partitions: at least five are empty
        Dataset<Row> sparse = spark.createDataFrame(rows, SCHEMA).repartition(8, col("site"));
        long empty = sparse.javaRDD().glom().collect().stream().filter(List::isEmpty).count();
        assertTrue(empty >= 5, "empty partitions: " + empty);
        DomainLogisticRegressionModel many = estimator.fit(sparse);
        assertArrayEquals(few.coefficientMatrix().toArray(), many.coefficientMatrix().toArray(), 1e-9);
    }

    private static String failure(Dataset<Row> data, DomainLogisticRegression estimator) {
        return assertThrows(IllegalArgumentException.class, () -> estimator.fit(data)).getMessage();
    }

    @Test
    void badInputIsNamedByColumnAndDomain() {
        DomainLogisticRegression cma = new DomainLogisticRegression().setDomainCol("site");
        List<Row> withNullSite = new ArrayList<>(rows());
        withNullSite.add(RowFactory.create(Vectors.dense(1, 2, 3), 0.0, null));
        assertTrue(failure(frame(withNullSite, 2), cma).contains("1 row(s) have no value (null) in domain column 'site'"));

        List<Row> oneSite = rows().subList(0, 40);
        String single = failure(frame(oneSite, 2), cma);
        assertTrue(single.contains("has one value ('clinic')") && single.contains("ERM"), single);
        new DomainLogisticRegression().setAlgorithm("ERM").setDomainCol("site").setMaxIter(3).fit(frame(oneSite, 2));

        Dataset<Row> doubleSite = frame(rows(), 2).withColumn("site", col("label").plus(0.5));
        assertTrue(failure(doubleSite, cma).contains("domain column 'site' has type double"));
        assertTrue(failure(frame(rows(), 2), new DomainLogisticRegression().setDomainCol("hospital"))
                .contains("no domain column 'hospital'"));

        List<Row> nonFinite = new ArrayList<>(rows());
        nonFinite.add(RowFactory.create(Vectors.dense(1, Double.NaN, 3), 1.0, "lab"));
        String nan = failure(frame(nonFinite, 3), cma);
        assertTrue(nan.contains("a row of domain 'lab' (column 'site') has NaN at index 1 of 'features'"), nan);

        List<Row> fractional = new ArrayList<>(rows());
        fractional.add(RowFactory.create(Vectors.dense(1, 2, 3), 1.5, "clinic"));
        assertTrue(failure(frame(fractional, 2), cma).contains("has label 1.5 in 'label'"));

        List<Row> narrow = new ArrayList<>(rows());
        narrow.add(RowFactory.create(Vectors.dense(1, 2), 1.0, "clinic"));
        assertTrue(failure(frame(narrow, 2), cma).contains("values in 'features'"));

        assertTrue(failure(spark.createDataFrame(List.of(), SCHEMA), cma).contains("no rows"));
        assertTrue(failure(frame(rows(), 2), new DomainLogisticRegression().setAlgorithm("CORAL").setDomainCol("site"))
                .contains("CORAL aligns the features"));
        assertTrue(failure(frame(rows(), 2), new DomainLogisticRegression().setAlgorithm("GroupDRO").setDomainCol("site"))
                .contains("optimizer adam"));
        assertTrue(failure(frame(rows(), 2), new DomainLogisticRegression().setHyperparameters(Map.of("grad_alpha", "-1"))
                .setDomainCol("site")).contains("grad_alpha"));
    }

    @Test
    void aPenaltyThatNeverSwitchesOnIsAWarningOnTheModel() {
        DomainLogisticRegressionModel model = new DomainLogisticRegression().setOptimizer("adam").setMaxIter(5)
                .setHyperparameters(Map.of("penalty_anneal_iters", "100")).setDomainCol("site").fit(frame(rows(), 2));
        assertTrue(model.warnings().stream().anyMatch(w -> w.contains("never reaches its weight")), model.warnings().toString());
    }
}
