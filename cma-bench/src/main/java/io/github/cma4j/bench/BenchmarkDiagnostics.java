package io.github.cma4j.bench;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.head.SoftmaxOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;

/**
 * One step of the diagnostic's Lanczos iteration on the Hessian gap (H_e − H̄)[V] at D = 2,049 (ResNet-50 features
 * plus a bias), C = 7 and E = 3 domains of n/3 rows: it should grow linearly in n (O(n·C·D)), never with (C·D)².
 */
@State(Scope.Thread)
public class BenchmarkDiagnostics {
    /** Rows in all (three equal domains). */
    @Param({"1500", "3000", "6000"})
    public int n;

    private DMatrixRMaj X;
    private DMatrixRMaj P;
    private DMatrixRMaj V;
    private int[][] rows;

    @Setup
    public void setup() {
        int d = 2049;
        int c = 7;
        SplittableRandom rng = new SplittableRandom(1);
        X = new DMatrixRMaj(n, d);
        for (int t = 0; t < X.getNumElements(); t++) {
            X.data[t] = rng.nextGaussian() / Math.sqrt(d);
        }
        DMatrixRMaj W = new DMatrixRMaj(c, d);
        V = new DMatrixRMaj(c, d);
        for (int t = 0; t < W.getNumElements(); t++) {
            W.data[t] = rng.nextGaussian();
            V.data[t] = rng.nextGaussian();
        }
        P = SoftmaxOps.softmax(SoftmaxOps.logits(X, W, null), null);
        rows = new int[3][];
        for (int e = 0; e < 3; e++) {
            rows[e] = java.util.stream.IntStream.range(e * n / 3, (e + 1) * n / 3).toArray();
        }
        new HeadBatch(X, new int[n], new int[n], c);      // the shapes a diagnosis validates
    }

    @Benchmark
    public DMatrixRMaj hessianGapProduct() {
        DMatrixRMaj y = HeadDerivatives.hessianVectorProduct(X, P, rows[0], V, null);
        for (int r = 1; r < 3; r++) {
            CommonOps_DDRM.addEquals(y, -0.5, HeadDerivatives.hessianVectorProduct(X, P, rows[r], V, null));
        }
        return y;
    }
}
