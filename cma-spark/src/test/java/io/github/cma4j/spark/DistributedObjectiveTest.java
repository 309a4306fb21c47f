package io.github.cma4j.spark;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with one machine: each supported objective's value and gradient on Spark (local[2]) equal cma-core's on
 * the same rows to 1e-9 relative, for 1, 2 and 7 partitions, with the rows shuffled so that every domain is split
 * across partitions (and some partitions may be empty).
 */
class DistributedObjectiveTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    private static final int C = 3;
    private static final int D = 4;
    private static final int E = 3;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("cma4j-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setLogLevel("ERROR");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<Map.Entry<String, Map<String, String>>> settings = List.of(
                Map.entry("ERM", Map.of()),
                Map.entry("VREx", Map.of("vrex_lambda", "3", "vrex_penalty_anneal_iters", "0")),
                Map.entry("IRM", Map.of("irm_lambda", "3", "irm_penalty_anneal_iters", "0", "irm_penalty", "full")),
                Map.entry("Fishr", Map.of("lambda", "50", "penalty_anneal_iters", "0", "ema", "0")),
                Map.entry("CMA", Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0", "normalization", "none")),
                Map.entry("CMA", Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0", "normalization", "isr",
                        "cross_entropy", "domain_mean")),
                Map.entry("CMA", Map.of("penalty_anneal_iters", "10")),                // before the warm-up: CE only
                Map.entry("CMA-diag", Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0")));
        for (Map.Entry<String, Map<String, String>> s : settings) {
            for (int partitions : new int[]{1, 2, 7}) {
                out.add(Arguments.of(s.getKey(), s.getValue(), partitions));
            }
        }
        return out.stream();
    }

    /** 3 domains of 9, 6 and 7 rows, bias column last. */
    private static List<DomainRow> rows(long seed) {
        return rows(seed, C, new int[]{9, 6, 7});
    }

    /** One domain per size, C classes, D features with the bias column last. */
    private static List<DomainRow> rows(long seed, int numClasses, int[] sizes) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<DomainRow> rows = new ArrayList<>();
        for (int e = 0; e < sizes.length; e++) {
            for (int i = 0; i < sizes[e]; i++) {
                double[] x = new double[D];
                for (int j = 0; j < D - 1; j++) {
                    x[j] = rng.nextGaussian() + 0.3 * e;
                }
                x[D - 1] = 1.0;
                rows.add(new DomainRow(x, rng.nextInt(numClasses), e));
            }
        }
        return rows;
    }

    private static DMatrixRMaj head(long seed) {
        return head(seed, C);
    }

    private static DMatrixRMaj head(long seed, int numClasses) {
        SplittableRandom rng = new SplittableRandom(seed);
        DMatrixRMaj W = new DMatrixRMaj(numClasses, D);
        for (int t = 0; t < W.getNumElements(); t++) {
            W.data[t] = 0.5 * rng.nextGaussian();
        }
        return W;
    }

    private static HeadBatch batch(List<DomainRow> rows) {
        return batch(rows, C);
    }

    private static HeadBatch batch(List<DomainRow> rows, int numClasses) {
        DMatrixRMaj X = new DMatrixRMaj(rows.size(), D);
        int[] y = new int[rows.size()];
        int[] dom = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < D; j++) {
                X.set(i, j, rows.get(i).features()[j]);
            }
            y[i] = rows.get(i).label();
            dom[i] = rows.get(i).domain();
        }
        return new HeadBatch(X, y, dom, numClasses, D - 1);
    }

    @ParameterizedTest(name = "{0} {1} on {2} partitions")
    @MethodSource("cases")
    void valueAndGradientEqualOneMachine(String algorithm, Map<String, String> settings, int partitions) {
        assertParity(algorithm, settings, rows(3), C, partitions, 1);
    }

    /** GroupDRO's weights move at every evaluation: the driver's state follows cma-core's over three steps. */
    @ParameterizedTest(name = "GroupDRO on {0} partitions")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 7})
    void groupDroWeightsFollowOneMachine(int partitions) {
        assertParity("GroupDRO", Map.of("groupdro_eta", "0.5"), rows(3), C, partitions, 3);
    }

    /** Binary (one free block) and four classes, with domains of more than one block (512 rows). */
    @ParameterizedTest(name = "CMA with {0} classes")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 4})
    void cmaOnSeveralBlocksPerDomainEqualsOneMachine(int numClasses) {
        assertParity("CMA", Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0"),
                rows(8, numClasses, new int[]{700, 90, 1100}), numClasses, 3, 1);
    }

    private static void assertParity(String algorithm, Map<String, String> settings, List<DomainRow> rows, int numClasses,
                                     int partitions, int evaluations) {
        DMatrixRMaj W = head(4, numClasses);
        List<DomainRow> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new java.util.Random(5));        // every domain spread over the partitions
        JavaRDD<DomainRow> rdd = jsc.parallelize(shuffled, partitions);
        var localObjective = Algorithms.create(algorithm, settings, 0L);
        DistributedObjective distributed = DistributedObjective.of(algorithm, settings);
        int numDomains = rows.stream().mapToInt(DomainRow::domain).max().orElseThrow() + 1;
        for (int step = 1; step <= evaluations; step++) {
            ObjectiveResult local = localObjective.evaluate(batch(rows, numClasses), W, step, false);
            DistributedObjective.Result onSpark = distributed.evaluate(rdd, numClasses, numDomains, W, step);
            assertClose(algorithm + " step " + step, local, onSpark);
        }
    }

    private static void assertClose(String algorithm, ObjectiveResult local, DistributedObjective.Result onSpark) {
        DMatrixRMaj W = local.gradW();
        assertEquals(local.value(), onSpark.value(), 1e-9 * Math.abs(local.value()), algorithm + " value");
        double scale = 0;
        for (double g : local.gradW().data) {
            scale = Math.max(scale, Math.abs(g));
        }
        for (int t = 0; t < W.getNumElements(); t++) {
            assertEquals(local.gradW().data[t], onSpark.gradW().data[t], 1e-9 * scale, algorithm + " dW[" + t + "]");
        }
    }

    @Test
    void objectivesWithoutADistributedFormAreRefusedByName() {
        IllegalArgumentException coral = assertThrows(IllegalArgumentException.class, () -> DistributedObjective.of("CORAL", Map.of()));
        assertTrue(coral.getMessage().contains("CORAL aligns the features"), coral.getMessage());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class, () -> DistributedObjective.of("IRM", Map.of()));
        assertTrue(split.getMessage().contains("irm_penalty=full"), split.getMessage());
        IllegalArgumentException ema = assertThrows(IllegalArgumentException.class, () -> DistributedObjective.of("Fishr", Map.of()));
        assertTrue(ema.getMessage().contains("ema=0"), ema.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DistributedObjective.of("MMD", Map.of()));
    }

    @Test
    void aNonFiniteRowIsNamedByItsDomain() {
        List<DomainRow> rows = new ArrayList<>(rows(6));
        rows.add(new DomainRow(new double[]{Double.NaN, 0, 0, 1}, 0, 2));
        JavaRDD<DomainRow> rdd = jsc.parallelize(rows, 2);
        Exception e = assertThrows(Exception.class, () -> DistributedObjective.of("ERM", Map.of()).evaluate(rdd, C, E, head(1), 0));
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        assertTrue(String.valueOf(cause.getMessage()).contains("a row of domain 2 has non-finite features"), e.toString());
    }
}
