package io.github.cma4j.core.optim;

import io.github.cma4j.core.head.HeadBatch;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FullBatchTest {

    /** Three shifted domains, noisy labels (not separable, so ERM has a finite minimiser), bias column last. */
    static HeadBatch batch() {
        SplittableRandom rng = new SplittableRandom(11);
        int n = 120;
        int d = 4;
        DMatrixRMaj X = new DMatrixRMaj(n, d);
        int[] y = new int[n];
        int[] dom = new int[n];
        for (int i = 0; i < n; i++) {
            dom[i] = i % 3;
            y[i] = rng.nextInt(3);
            for (int j = 0; j < d - 1; j++) {
                X.set(i, j, rng.nextGaussian() + (j == y[i] ? 1.0 : 0.0) + 0.5 * dom[i]);
            }
            X.set(i, d - 1, 1.0);
        }
        return new HeadBatch(X, y, dom, 3, d - 1);
    }

    private static double gradientNorm(String algorithm, Map<String, String> hp, double[] w) {
        double[] g = new double[w.length];
        FullBatch.onOneMachine(algorithm, hp, batch()).evaluate(w, FullBatch.FINAL_STEP, g);
        double m = 0;
        for (double v : g) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void lbfgsReachesAStationaryPointOfErmAndCma() {
        for (var c : Map.of("ERM", Map.<String, String>of(),
                "CMA", Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "100")).entrySet()) {
            FullBatch.Result r = FullBatch.train(c.getKey(), c.getValue(), batch(), new FullBatch.Settings("lbfgs", 500, 1e-12, 10, 1e-3));
            assertTrue(gradientNorm(c.getKey(), c.getValue(), r.w()) < 1e-6, c.getKey() + " ‖∇‖∞ at the end");
            assertTrue(r.value() < r.values()[0], c.getKey());
        }
    }

    @Test
    void adamCountsStepsForTheWarmUpAndMatchesTheUpdateRule() {
        Map<String, String> hp = Map.of("grad_alpha", "3", "hess_beta", "5", "penalty_anneal_iters", "2");
        FullBatch.Result r = FullBatch.train("CMA", hp, batch(), new FullBatch.Settings("adam", 4, 1e-6, 10, 0.05));
        // by hand: the same four steps with the Adam record, step t at warm-up step t
        FullBatch.Objective f = FullBatch.onOneMachine("CMA", hp, batch());
        double[] w = new double[12];
        double[] m = new double[12];
        double[] v = new double[12];
        double[] g = new double[12];
        for (int t = 0; t < 4; t++) {
            double value = f.evaluate(w, t, g);
            assertEquals(value, r.values()[t], 1e-15, "value at step " + t);
            Adam.of(0.05, 0).update(w, g, m, v, 0, 12, t + 1, 1.0);
        }
        for (int t = 0; t < 12; t++) {
            assertEquals(w[t], r.w()[t], 0.0);
        }
        assertEquals("max_iterations", r.stop());
    }

    @Test
    void refusesWhatALineSearchCannotOptimiseAndNamesDivergence() {
        IllegalArgumentException dro = assertThrows(IllegalArgumentException.class,
                () -> FullBatch.train("GroupDRO", Map.of(), batch(), FullBatch.Settings.lbfgs()));
        assertTrue(dro.getMessage().contains("optimizer adam"), dro.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FullBatch.train("Fishr", Map.of(), batch(), FullBatch.Settings.lbfgs()));
        FullBatch.train("Fishr", Map.of("ema", "0"), batch(), new FullBatch.Settings("lbfgs", 3, 1e-6, 10, 1e-3));
        FullBatch.train("GroupDRO", Map.of(), batch(), new FullBatch.Settings("adam", 3, 1e-6, 10, 1e-3));
        IllegalStateException diverged = assertThrows(IllegalStateException.class,
                () -> FullBatch.train("ERM", Map.of(), batch(), new FullBatch.Settings("adam", 5, 1e-6, 10, 1e300)));
        assertTrue(diverged.getMessage().contains("diverged at step"), diverged.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FullBatch.Settings("sgd", 3, 1e-6, 10, 1e-3));
    }
}
