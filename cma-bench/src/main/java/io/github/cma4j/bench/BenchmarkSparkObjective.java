package io.github.cma4j.bench;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.spark.DistributedObjective;
import io.github.cma4j.spark.DomainBlock;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * One evaluation (value and exact gradient) of the full-Hessian CMA objective on n synthetic rows, D = 256 (255
 * features and a bias), E = 4 equal domains: on Spark local[2] over cached {@link DomainBlock}s
 * ({@code where=spark}), and the anchor, cma-core's {@code CmaObjective} on the same rows in one {@link HeadBatch}
 * ({@code where=local}, both cores through its parallel domains). Each (where, n, c) runs in a fork of its own.
 * Run from the module's class path, as docs/performance.md shows: the shaded jar has no Spark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx16g", "--add-modules=jdk.incubator.vector"})
public class BenchmarkSparkObjective {
    private static final int D = 256;
    private static final int E = 4;
    private static final Map<String, String> CMA = Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "0");

    @Param({"spark", "local"})
    public String where;
    @Param({"100000", "1000000"})
    public int n;
    @Param({"2", "10"})
    public int c;
    /** CMA (full Hessian, blocked form) or CMA-diag. */
    @Param({"CMA"})
    public String algorithm;

    private SparkSession spark;
    private JavaRDD<DomainBlock> blocks;
    private DistributedObjective distributed;
    private HeadBatch batch;
    private DomainObjective local;
    private DMatrixRMaj W;

    /** Block b of the data: rows b·ROWS …, domain b mod E, seeded by b (the same rows on both sides). */
    static DomainBlock block(int b, int n, int c) {
        int rows = Math.min(DomainBlock.ROWS, n - b * DomainBlock.ROWS);
        SplittableRandom rng = new SplittableRandom(1000L + b);
        int domain = b % E;
        int[] labels = new int[rows];
        double[] x = new double[rows * D];
        for (int i = 0; i < rows; i++) {
            labels[i] = rng.nextInt(c);
            for (int j = 0; j < D - 1; j++) {
                x[i * D + j] = rng.nextGaussian() / Math.sqrt(D) + (j == labels[i] ? 0.5 : 0.0) + 0.1 * domain;
            }
            x[i * D + D - 1] = 1.0;
        }
        return new DomainBlock(domain, labels, x, D);
    }

    @Setup(Level.Trial)
    public void setup() {
        int numBlocks = (n + DomainBlock.ROWS - 1) / DomainBlock.ROWS;
        W = new DMatrixRMaj(c, D);
        SplittableRandom rng = new SplittableRandom(7);
        for (int t = 0; t < W.getNumElements(); t++) {
            W.data[t] = 0.1 * rng.nextGaussian();
        }
        int rows = n;
        int classes = c;
        if (where.equals("spark")) {
            spark = SparkSession.builder().master("local[2]").appName("bench").config("spark.ui.enabled", "false")
                    .config("spark.driver.memory", "16g").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            blocks = jsc.parallelize(IntStream.range(0, numBlocks).boxed().toList(), 8)
                    .map(b -> block(b, rows, classes)).persist(StorageLevel.MEMORY_ONLY());
            blocks.count();
            distributed = DistributedObjective.of(algorithm, CMA);
        } else {
            DMatrixRMaj X = new DMatrixRMaj(n, D);
            int[] y = new int[n];
            int[] dom = new int[n];
            for (int b = 0; b < numBlocks; b++) {
                DomainBlock block = block(b, n, c);
                System.arraycopy(block.features(), 0, X.data, b * DomainBlock.ROWS * D, block.features().length);
                for (int i = 0; i < block.size(); i++) {
                    y[b * DomainBlock.ROWS + i] = block.labels()[i];
                    dom[b * DomainBlock.ROWS + i] = block.domain();
                }
            }
            batch = new HeadBatch(X, y, dom, c, D - 1);
            local = Algorithms.create(algorithm, CMA, 0L);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Benchmark
    public double evaluate() {
        if (where.equals("spark")) {
            return distributed.evaluateBlocks(blocks, c, E, W, 1).value();
        }
        return local.evaluate(batch, W, 1, false).value();
    }

    /** A quick look without JMH: java … BenchmarkSparkObjective where n c [algorithm]. */
    public static void main(String[] args) {
        BenchmarkSparkObjective b = new BenchmarkSparkObjective();
        b.where = args[0];
        b.n = Integer.parseInt(args[1]);
        b.c = Integer.parseInt(args[2]);
        b.algorithm = args.length > 3 ? args[3] : "CMA";
        b.setup();
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            double v = b.evaluate();
            System.out.printf("%s %s n=%d C=%d: %.2f s (L=%.6f)%n", b.where, b.algorithm, b.n, b.c, (System.nanoTime() - t0) / 1e9, v);
        }
        b.tearDown();
    }
}
