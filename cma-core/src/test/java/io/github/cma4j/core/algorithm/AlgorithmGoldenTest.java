package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.cma.CmaObjective;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.head.SoftmaxOps;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-checkable values for each algorithm; where each expected value comes from is stated in the test. */
class AlgorithmGoldenTest {

    /** Two copies of the same domain (ids 0 and 1). */
    private static HeadBatch duplicated(RandomCase one) {
        int n = one.labels().length;
        int d = one.X().numCols;
        DMatrixRMaj X = new DMatrixRMaj(2 * n, d);
        int[] y = new int[2 * n];
        int[] dom = new int[2 * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                X.set(i, j, one.X().get(i, j));
                X.set(n + i, j, one.X().get(i, j));
            }
            y[i] = y[n + i] = one.labels()[i];
            dom[n + i] = 1;
        }
        return new HeadBatch(X, y, dom, one.numClasses());
    }

    static List<String> names() {
        return Algorithms.names();
    }

    /** Every alignment penalty (as its spec says) vanishes when the domains are identical. */
    @ParameterizedTest
    @MethodSource("names")
    void identicalDomainsHaveNoAlignmentPenalty(String name) {
        RandomCase one = RandomCase.of(51, 3, 5, 10);
        AlgorithmSpec spec = Algorithms.get(name);
        ObjectiveResult r = spec.create(spec.testSettings(), 3L).evaluate(duplicated(one), one.W(), 1, false);
        for (PenaltySpec penalty : spec.penalties()) {
            assertNotNull(r.terms().get(penalty.term()), name + " reports " + penalty.term());
            if (penalty.alignment()) {
                assertEquals(0.0, r.terms().get(penalty.term()), 1e-12, name + " " + penalty.term());
            }
        }
        if (!spec.penalties().isEmpty()) {
            assertTrue(r.value() >= r.crossEntropy() - 1e-12, name + ": penalties are non-negative");
        }
    }

    @Test
    void groupDroKeepsEqualWeightsForEqualLosses() {
        RandomCase one = RandomCase.of(51, 3, 5, 10);
        ObjectiveResult r = GroupDroObjective.SPEC.create(GroupDroObjective.SPEC.testSettings(), 3L)
                .evaluate(duplicated(one), one.W(), 1, false);
        assertEquals(0.5, r.terms().get("q_0"), 1e-12, "equal losses keep equal weights");
    }

    @Test
    void ermIsPooledCrossEntropy() {
        RandomCase rc = RandomCase.of(52, 4, 6, 3, 9);
        ObjectiveResult r = ErmObjective.SPEC.createDefault().evaluate(rc.batch(), rc.W(), 0, false);
        assertEquals(SoftmaxOps.meanCrossEntropy(SoftmaxOps.logits(rc.X(), rc.W(), null), rc.labels()), r.value(), 1e-14);
    }

    /** VREx's penalty is the population variance of the domain losses, computed here from SoftmaxOps. */
    @Test
    void vrexPenaltyIsTheVarianceOfDomainLosses() {
        RandomCase rc = RandomCase.of(53, 3, 4, 5, 7, 9);
        double[] ce = SoftmaxOps.crossEntropyPerExample(SoftmaxOps.logits(rc.X(), rc.W(), null), rc.labels(), null);
        double[] sum = new double[3];
        int[] count = new int[3];
        for (int i = 0; i < ce.length; i++) {
            int e = (rc.domains()[i] - 1) / 2;
            sum[e] += ce[i];
            count[e]++;
        }
        double l0 = sum[0] / count[0], l1 = sum[1] / count[1], l2 = sum[2] / count[2];
        double mean = (l0 + l1 + l2) / 3;
        double variance = ((l0 - mean) * (l0 - mean) + (l1 - mean) * (l1 - mean) + (l2 - mean) * (l2 - mean)) / 3;
        DomainObjective vrex = Algorithms.create("VREx", Map.of("vrex_lambda", "7", "vrex_penalty_anneal_iters", "10"), 0);
        ObjectiveResult before = vrex.evaluate(rc.batch(), rc.W(), 9, false);
        assertEquals(variance, before.terms().get("penalty"), 1e-14);
        assertEquals(mean + variance, before.value(), 1e-14, "weight 1 before the anneal");
        ObjectiveResult at = vrex.evaluate(rc.batch(), rc.W(), 10, false);
        assertEquals(mean + 7 * variance, at.value(), 1e-13);
        assertTrue(at.resetOptimizer());
    }

    /** IRM's g is the derivative of CE(s·z) at s = 1, taken here by central differences on each half. */
    @Test
    void irmPenaltyIsTheProductOfHalfBatchScaleGradients() {
        RandomCase rc = RandomCase.of(54, 3, 4, 8);    // one domain, 8 rows
        DMatrixRMaj Z = SoftmaxOps.logits(rc.X(), rc.W(), null);
        double[] g = new double[2];
        for (int half = 0; half < 2; half++) {
            double h = 1e-6;
            double plus = 0, minus = 0;
            for (int i = half; i < 8; i += 2) {
                DMatrixRMaj zi = new DMatrixRMaj(1, 3);
                DMatrixRMaj zj = new DMatrixRMaj(1, 3);
                for (int k = 0; k < 3; k++) {
                    zi.set(0, k, (1 + h) * Z.get(i, k));
                    zj.set(0, k, (1 - h) * Z.get(i, k));
                }
                plus += SoftmaxOps.meanCrossEntropy(zi, new int[]{rc.labels()[i]}) / 4;
                minus += SoftmaxOps.meanCrossEntropy(zj, new int[]{rc.labels()[i]}) / 4;
            }
            g[half] = (plus - minus) / (2 * h);
        }
        ObjectiveResult r = IrmPenalty.SPEC.createDefault().evaluate(rc.batch(), rc.W(), 0, false);
        assertEquals(g[0] * g[1], r.terms().get("penalty"), 1e-8);
        assertEquals(1.0, r.terms().get("weight"), "λ = 1 before the anneal, not 0");
    }

    /** The IRM script's penalty: per domain the squared scale gradient of the whole domain, averaged over domains. */
    @Test
    void irmFullPenaltyIsTheMeanSquaredWholeDomainScaleGradient() {
        RandomCase rc = RandomCase.of(55, 3, 4, 5, 6);    // two domains, 5 and 6 rows (interleaved)
        DMatrixRMaj Z = SoftmaxOps.logits(rc.X(), rc.W(), null);
        HeadBatch batch = rc.batch();
        double expected = 0;
        for (int e = 0; e < 2; e++) {
            int[] rows = batch.index().rows(e);
            double h = 1e-6;
            double plus = 0, minus = 0;
            for (int i : rows) {
                DMatrixRMaj zi = new DMatrixRMaj(1, 3);
                DMatrixRMaj zj = new DMatrixRMaj(1, 3);
                for (int k = 0; k < 3; k++) {
                    zi.set(0, k, (1 + h) * Z.get(i, k));
                    zj.set(0, k, (1 - h) * Z.get(i, k));
                }
                plus += SoftmaxOps.meanCrossEntropy(zi, new int[]{rc.labels()[i]}) / rows.length;
                minus += SoftmaxOps.meanCrossEntropy(zj, new int[]{rc.labels()[i]}) / rows.length;
            }
            double g = (plus - minus) / (2 * h);
            expected += g * g / 2;
        }
        ObjectiveResult r = Algorithms.create("IRM", Map.of("irm_penalty", "full", "irm_penalty_anneal_iters", "2",
                "irm_lambda", "100"), 0).evaluate(rc.batch(), rc.W(), 0, false);
        assertEquals(expected, r.terms().get("penalty"), 1e-8);
        assertEquals(r.crossEntropy() + expected, r.value(), 1e-8, "weight 1 before the anneal");
        assertThrows(IllegalArgumentException.class, () -> Algorithms.create("IRM", Map.of("irm_penalty", "halves"), 0));
    }

    /** CORAL on a 1-d feature plus a bias column: μ = (1, 3), unbiased variances (2, 8): (1−3)² + (2−8)² = 40. */
    @Test
    void coralByHand() {
        DMatrixRMaj X = new DMatrixRMaj(new double[][]{{0, 1}, {2, 1}, {1, 1}, {5, 1}});
        HeadBatch batch = new HeadBatch(X, new int[]{0, 1, 0, 1}, new int[]{0, 0, 1, 1}, 2, 1);
        ObjectiveResult r = CoralPenalty.SPEC.create(Map.of("mmd_gamma", "0.5"), 0).evaluate(batch, new DMatrixRMaj(2, 2), 0, true);
        assertEquals(40.0, r.terms().get("penalty"), 1e-12);
        assertEquals(Math.log(2) + 0.5 * 40, r.value(), 1e-12, "uniform head: CE = log 2");
        ObjectiveResult ceOnly = CoralPenalty.SPEC.create(Map.of("mmd_gamma", "0"), 0).evaluate(batch, new DMatrixRMaj(2, 2), 0, true);
        assertClose("the penalty adds nothing to ∂L/∂W", ceOnly.gradW(), r.gradW(), 1e-14);
        // ∂/∂x_0 = γ[(2/d)(μ0−μ1)/n0 + 2/(n0−1)·(2/d²)(Σ0−Σ1)(x0−μ0)] = 0.5[(2)(−2)/2 + 2·2·(−6)(−1)] = 11
        assertEquals(11.0, r.gradFeatures().get(0, 0), 1e-12);
        assertEquals(0.0, r.gradFeatures().get(0, 1), 1e-12, "the bias column is not a feature");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CoralPenalty.SPEC.create(Map.of("mmd_gamma", "1"), 0).evaluate(
                new HeadBatch(X, new int[]{0, 1, 0, 1}, new int[]{0, 0, 0, 1}, 2), new DMatrixRMaj(2, 2), 0, false));
        assertTrue(e.getMessage().contains("domain id 1 has 1"), e.getMessage());
    }

    /** Fishr's first step: m = (1 − ema) v, so ṽ = v, the per-domain variance of (p_i − y_i) x̃_iᵀ, computed here. */
    @Test
    void fishrFirstStepUsesTheRawVariances() {
        RandomCase rc = RandomCase.of(55, 2, 3, 4, 6);
        HeadBatch batch = rc.batch();
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
        double[][] var = new double[2][6];
        for (int e = 0; e < 2; e++) {
            int[] rows = batch.index().rows(e);
            double[][] gi = new double[rows.length][6];
            double[] mean = new double[6];
            for (int r = 0; r < rows.length; r++) {
                int i = rows[r];
                for (int k = 0; k < 2; k++) {
                    for (int j = 0; j < 3; j++) {
                        gi[r][k * 3 + j] = (P.get(i, k) - (rc.labels()[i] == k ? 1 : 0)) * rc.X().get(i, j);
                        mean[k * 3 + j] += gi[r][k * 3 + j] / rows.length;
                    }
                }
            }
            for (double[] g : gi) {
                for (int t = 0; t < 6; t++) {
                    var[e][t] += (g[t] - mean[t]) * (g[t] - mean[t]) / rows.length;
                }
            }
        }
        double penalty = 0;
        for (int t = 0; t < 6; t++) {
            double m = (var[0][t] + var[1][t]) / 2;
            penalty += ((var[0][t] - m) * (var[0][t] - m) + (var[1][t] - m) * (var[1][t] - m)) / 2 / 6;
        }
        DomainObjective fishr = FishrPenalty.SPEC.create(Map.of("lambda", "100", "penalty_anneal_iters", "5", "ema", "0.9"), 0);
        ObjectiveResult first = fishr.evaluate(batch, rc.W(), 0, false);
        assertEquals(penalty, first.terms().get("penalty"), 1e-15);
        assertEquals(first.crossEntropy(), first.value(), 0.0, "λ = 0 before the anneal");
        // second step, same data: m = 0.9·0.1v + 0.1v = 0.19v, ṽ = 1.9v, so the penalty scales by 1.9²
        assertEquals(1.9 * 1.9 * penalty, fishr.evaluate(batch, rc.W(), 1, false).terms().get("penalty"), 1e-14);
        fishr.resetState();
        assertEquals(penalty, fishr.evaluate(batch, rc.W(), 0, false).terms().get("penalty"), 1e-15);
        // the fishr ColoredMNIST script's form: no EMA (the same penalty at every step) and a weight before the anneal
        DomainObjective script = Algorithms.create("Fishr", Map.of("lambda", "100", "penalty_anneal_iters", "5", "ema", "0",
                "lambda_before_anneal", "7"), 0);
        for (int t = 0; t < 2; t++) {
            ObjectiveResult r = script.evaluate(batch, rc.W(), t, false);
            assertEquals(penalty, r.terms().get("penalty"), 1e-15);
            assertEquals(r.crossEntropy() + 7 * penalty, r.value(), 1e-14);
        }
        assertEquals(penalty * 100, script.evaluate(batch, rc.W(), 5, false).value() - first.crossEntropy(), 1e-12);
    }

    /** GroupDRO from fresh weights: q_e ∝ exp(η L_e); loss = Σ q_e L_e. */
    @Test
    void groupDroWeightsByHand() {
        RandomCase rc = RandomCase.of(56, 3, 4, 6, 9);
        double[] ce = SoftmaxOps.crossEntropyPerExample(SoftmaxOps.logits(rc.X(), rc.W(), null), rc.labels(), null);
        double l0 = 0, l1 = 0;
        for (int i = 0; i < ce.length; i++) {
            if (rc.domains()[i] == 1) {
                l0 += ce[i] / 6;
            } else {
                l1 += ce[i] / 9;
            }
        }
        GroupDroObjective dro = new GroupDroObjective(0.7);
        ObjectiveResult r = dro.evaluate(rc.batch(), rc.W(), 0, false);
        double q0 = Math.exp(0.7 * l0) / (Math.exp(0.7 * l0) + Math.exp(0.7 * l1));
        assertEquals(q0, r.terms().get("q_1"), 1e-14);
        assertEquals(q0 * l0 + (1 - q0) * l1, r.value(), 1e-14);
        // second step: q ∝ q·exp(η L)
        double q0b = q0 * Math.exp(0.7 * l0) / (q0 * Math.exp(0.7 * l0) + (1 - q0) * Math.exp(0.7 * l1));
        assertEquals(q0b, dro.evaluate(rc.batch(), rc.W(), 1, false).terms().get("q_1"), 1e-14);
        assertEquals(q0b, dro.weights().get(1), 1e-14);
    }

    /** HGP's terms equal their definitions from the materialised Hessians. */
    @Test
    void hgpTermsFromMaterializedHessians() {
        RandomCase rc = RandomCase.of(57, 3, 3, 5, 7);
        HeadBatch batch = rc.batch();
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
        DMatrixRMaj[] g = new DMatrixRMaj[2];
        DMatrixRMaj[] H = new DMatrixRMaj[2];
        for (int e = 0; e < 2; e++) {
            g[e] = HeadDerivatives.headGradient(rc.X(), P, rc.labels(), batch.index().rows(e), null);
            H[e] = HeadDerivatives.hessian(rc.X(), P, batch.index().rows(e), null);
        }
        double[] gbar = new double[9];
        for (int t = 0; t < 9; t++) {
            gbar[t] = (g[0].data[t] + g[1].data[t]) / 2;
        }
        double hess = 0, grad = 0;
        for (int e = 0; e < 2; e++) {
            for (int a = 0; a < 9; a++) {
                double he = 0, hbar = 0;
                for (int b = 0; b < 9; b++) {
                    he += H[e].get(a, b) * g[e].data[b];
                    hbar += (H[0].get(a, b) + H[1].get(a, b)) / 2 * gbar[b];
                }
                hess += (he - hbar) * (he - hbar) / 2;
                grad += (g[e].data[a] - gbar[a]) * (g[e].data[a] - gbar[a]) / 2;
            }
        }
        ObjectiveResult r = HgpPenalty.SPEC.create(Map.of("penalty_alpha", "1", "penalty_beta", "1"), 0).evaluate(batch, rc.W(), 0, false);
        assertEquals(hess, r.terms().get("hessPenalty"), 1e-14);
        assertEquals(grad, r.terms().get("gradPenalty"), 1e-14);
    }

    /** E[z∘Hz] = diag(H): over 40,000 probes the estimate is within 2% (Frobenius) of the closed form. */
    @Test
    void hutchinsonConvergesToTheClosedFormDiagonal() {
        RandomCase rc = RandomCase.of(58, 3, 4, 20);
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
        int[] rows = rc.batch().index().rows(0);
        DMatrixRMaj exact = HeadDerivatives.hessianDiagonal(rc.X(), P, rows, null);
        DMatrixRMaj few = HutchinsonPenalty.estimateDiagonal(rc.X(), P, rows, 10, new SplittableRandom(1));
        DMatrixRMaj many = HutchinsonPenalty.estimateDiagonal(rc.X(), P, rows, 40_000, new SplittableRandom(1));
        assertClose("40k probes", exact, many, 0.02);
        double fewErr = io.github.cma4j.core.testing.GradientCheck.relativeError(exact, few, 1e-12);
        double manyErr = io.github.cma4j.core.testing.GradientCheck.relativeError(exact, many, 1e-12);
        assertTrue(manyErr < fewErr, "more probes, smaller error: " + manyErr + " vs " + fewErr);
    }

    @Test
    void hutchinsonIsReproducibleAndSeeded() {
        RandomCase rc = RandomCase.of(59, 3, 4, 6, 8);
        Map<String, String> hp = Map.of("num_probes", "20");
        double a = Algorithms.create("Hutchinson", hp, 5).evaluate(rc.batch(), rc.W(), 3, false).value();
        double b = Algorithms.create("Hutchinson", hp, 5).evaluate(rc.batch(), rc.W(), 3, false).value();
        double c = Algorithms.create("Hutchinson", hp, 6).evaluate(rc.batch(), rc.W(), 3, false).value();
        double d = Algorithms.create("Hutchinson", hp, 5).evaluate(rc.batch(), rc.W(), 4, false).value();
        assertEquals(a, b, 0.0, "same seed and step, same probes");
        assertFalse(a == c, "another seed, other probes");
        assertFalse(a == d, "another step, other probes");
    }

    @Test
    void cmaFromTheRegistryIsTheDomainBedConfiguration() {
        RandomCase rc = RandomCase.of(60, 3, 5, 6, 7);
        AlgorithmSpec spec = Algorithms.get("cma");
        ObjectiveResult viaRegistry = spec.create(Map.of("penalty_anneal_iters", "0"), 0).evaluate(rc.batch(), rc.W(), 0, false);
        ObjectiveResult direct = new CmaObjective(CmaObjective.Config.domainBedDefaults().withAnnealSteps(0)).evaluate(rc.batch(), rc.W(), 0, false);
        assertEquals(direct.value(), viaRegistry.value(), 0.0);
        assertEquals("CMA-diag", Algorithms.create("cma-DIAG", Map.of(), 0).name());
        ObjectiveResult isr = spec.create(Map.of("penalty_anneal_iters", "0", "normalization", "isr", "cross_entropy",
                "domain_mean"), 0).evaluate(rc.batch(), rc.W(), 0, false);
        ObjectiveResult isrDirect = new CmaObjective(CmaObjective.Config.linearProbing(5000, 1000)).evaluate(rc.batch(), rc.W(), 0, false);
        assertEquals(isrDirect.value(), isr.value(), 0.0, "linear-probing convention reachable from the registry");
        assertThrows(IllegalArgumentException.class, () -> spec.create(Map.of("cross_entropy", "mean"), 0));
    }

    /** SD by hand: Z = X̃Wᵀ = [[1, 2], [2, 0]], so R = (1 + 4 + 4 + 0)/4 and ∂R/∂Z = 2Z/4. */
    @Test
    void spectralDecouplingByHand() {
        HeadBatch batch = new HeadBatch(new DMatrixRMaj(new double[][]{{1, 1}, {2, 0}}), new int[]{0, 1}, new int[]{0, 1}, 2);
        DMatrixRMaj W = new DMatrixRMaj(new double[][]{{1, 0}, {0, 2}});
        Regularizer.Result r = SdPenalty.SPEC.regularizer("penalty", Map.of(), 0).evaluate(batch, W, 0, true);
        assertEquals(2.25, r.value(), 1e-15);
        // ∂R/∂W = (∂R/∂Z)ᵀ X̃ with ∂R/∂Z = [[0.5, 1], [1, 0]]
        assertClose("∂R/∂W", new DMatrixRMaj(new double[][]{{2.5, 0.5}, {1, 1}}), r.gradW(), 1e-15);
        ObjectiveResult whole = SdPenalty.SPEC.create(Map.of("sd_reg", "0.1"), 0).evaluate(batch, W, 0, false);
        assertEquals(whole.crossEntropy() + 0.1 * 2.25, whole.value(), 1e-15, "pooled CE + sd_reg·R");
    }

    /**
     * MMD by hand, one point per domain (φ = 0 and φ = 1, bias column 1): k(a, a) = 7 (seven bandwidths), so
     * R = 7 + 7 − 2 Σ_γ e^{−γ}, and ∂R/∂φ_0 = −4 Σ_γ γ e^{−γ}. A third domain at φ = 1 makes R the mean of the pairs.
     */
    @Test
    void mmdByHand() {
        double[] gammas = {1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};
        double k01 = 0;
        double slope = 0;
        for (double g : gammas) {
            k01 += Math.exp(-g);
            slope += g * Math.exp(-g);
        }
        Regularizer mmd = MmdPenalty.SPEC.regularizer("penalty", Map.of(), 0);
        HeadBatch two = new HeadBatch(new DMatrixRMaj(new double[][]{{0, 1}, {1, 1}}), new int[]{0, 1}, new int[]{0, 1}, 2, 1);
        Regularizer.Result r = mmd.evaluate(two, new DMatrixRMaj(2, 2), 0, true);
        assertEquals(14 - 2 * k01, r.value(), 1e-13);
        assertEquals(-4 * slope, r.gradFeatures().get(0, 0), 1e-12);
        assertEquals(4 * slope, r.gradFeatures().get(1, 0), 1e-12);
        assertEquals(0.0, r.gradFeatures().get(0, 1), 0.0, "the bias column is not a feature");
        assertClose("no gradient on the head", new DMatrixRMaj(2, 2), r.gradW(), 0.0);
        HeadBatch three = new HeadBatch(new DMatrixRMaj(new double[][]{{0, 1}, {1, 1}, {1, 1}}), new int[]{0, 1, 1},
                new int[]{0, 1, 2}, 2, 1);
        // pairs (0,1) and (0,2) each 14 − 2k01, pair (1,2) is 0: the mean is 2(14 − 2k01)/3
        assertEquals(2 * (14 - 2 * k01) / 3, mmd.evaluate(three, new DMatrixRMaj(2, 2), 0, false).value(), 1e-13);
    }
}
