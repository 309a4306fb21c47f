package io.github.cma4j.bench;

import io.github.cma4j.core.cma.CmaObjective;
import io.github.cma4j.core.cma.HessianForm;
import io.github.cma4j.core.cma.HessianMode;
import io.github.cma4j.core.cma.Normalization;
import io.github.cma4j.core.cma.ProductPrecision;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;

/**
 * Value plus all gradients (W and features) of the objective at the shapes of docs/performance.md:
 * ERM head only, and CMA with the full Hessian in each form (the blocked form also with float32 products) and in
 * the diagonal variant. Shape IRM is the IRM protocol's objective (2 × 25,000 rows, 256 features and a bias).
 */
@State(Scope.Thread)
public class BenchmarkCmaObjective {

    /** Shapes: E, n per domain, D, C. */
    @Param({"S1", "S2", "S3", "S4", "S5", "IRM"})
    public String shape;

    /** ERM, CMA_AUTO, CMA_GRAM, CMA_BLOCKED, CMA_BLOCKED_F32 (float32 products), CMA_DIAG. */
    @Param({"ERM", "CMA_AUTO", "CMA_GRAM", "CMA_BLOCKED", "CMA_BLOCKED_F32", "CMA_DIAG"})
    public String variant;

    private HeadBatch batch;
    private DMatrixRMaj W;
    private CmaObjective objective;

    /** @return {E, n_e, D, C} for a shape name. */
    public static int[] dims(String shape) {
        return switch (shape) {
            case "S1" -> new int[]{3, 32, 129, 2};
            case "S2" -> new int[]{3, 32, 385, 7};
            case "S3" -> new int[]{5, 32, 129, 10};
            case "S4" -> new int[]{2, 250, 100, 2};
            case "S5" -> new int[]{3, 32, 2049, 7};
            case "IRM" -> new int[]{2, 25_000, 257, 2};
            default -> throw new IllegalArgumentException(shape);
        };
    }

    /**
     * A seeded random batch at a shape: E domains of n_e rows, a constant-1 bias column first, domain-shifted
     * Gaussian features, random labels; and a head with entries of scale 1/√D.
     *
     * @param shape a shape name.
     * @return {batch, W}.
     */
    static Object[] randomBatch(String shape) {
        int[] s = dims(shape);
        int numDomains = s[0], perDomain = s[1], d = s[2], c = s[3];
        int n = numDomains * perDomain;
        Random rng = new Random(42);
        DMatrixRMaj X = new DMatrixRMaj(n, d);
        int[] y = new int[n];
        int[] dom = new int[n];
        for (int i = 0; i < n; i++) {
            dom[i] = i % numDomains;
            y[i] = rng.nextInt(c);
            X.set(i, 0, 1.0);
            for (int j = 1; j < d; j++) {
                X.set(i, j, rng.nextGaussian() + 0.2 * dom[i]);
            }
        }
        DMatrixRMaj head = new DMatrixRMaj(c, d);
        for (int idx = 0; idx < head.getNumElements(); idx++) {
            head.data[idx] = rng.nextGaussian() / Math.sqrt(d);
        }
        return new Object[]{new HeadBatch(X, y, dom, c, 0), head};
    }

    @Setup
    public void setup() {
        Object[] batchAndHead = randomBatch(shape);
        batch = (HeadBatch) batchAndHead[0];
        W = (DMatrixRMaj) batchAndHead[1];
        HessianForm form = switch (variant) {
            case "CMA_GRAM" -> HessianForm.GRAM;
            case "CMA_BLOCKED", "CMA_BLOCKED_F32" -> HessianForm.BLOCKED;
            default -> HessianForm.AUTO;
        };
        if (form == HessianForm.BLOCKED && "S5".equals(shape)) {
            // E·(C−1)C/2·D² doubles = 2.8 GB: the case the Gram form exists for
            throw new IllegalStateException("blocked form skipped at S5: workspace 2.8 GB");
        }
        if (form == HessianForm.GRAM && "IRM".equals(shape)) {
            // n×n Gram matrices of 50,000 rows: 20 GB, the case the blocked form exists for
            throw new IllegalStateException("Gram form skipped at IRM: 50,000 x 50,000 Gram");
        }
        double alpha = variant.equals("ERM") ? 0 : 5000;
        double beta = variant.equals("ERM") ? 0 : 1000;
        HessianMode mode = variant.equals("CMA_DIAG") ? HessianMode.DIAGONAL : HessianMode.FULL;
        ProductPrecision precision = variant.equals("CMA_BLOCKED_F32") ? ProductPrecision.FLOAT32 : ProductPrecision.FLOAT64;
        objective = new CmaObjective(new CmaObjective.Config(alpha, beta, 0, Normalization.domainBed(), mode, form,
                CrossEntropyMode.POOLED, precision));
    }

    @Benchmark
    public ObjectiveResult valueAndAllGradients() {
        return objective.evaluate(batch, W, 1, true);
    }
}
