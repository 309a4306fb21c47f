package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Annealing, edge cases, invariances and the documented composition of the objective. */
class CmaObjectiveTest {

    private static CmaObjective.Config config(long anneal) {
        return new CmaObjective.Config(2.0, 3.0, anneal, Normalization.none(), HessianMode.FULL, HessianForm.AUTO,
                CrossEntropyMode.POOLED);
    }

    @Test
    void valueIsCrossEntropyPlusWeightedPenalties() {
        RandomCase rc = RandomCase.of(31, 3, 8, 10, 6, 9);
        ObjectiveResult r = new CmaObjective(config(0)).evaluate(rc.batch(), rc.W(), 0, false);
        double expected = r.terms().get("crossEntropy") + 2.0 * r.terms().get("gradPenalty") + 3.0 * r.terms().get("hessPenalty");
        assertEquals(expected, r.value(), 1e-14);
        assertTrue(r.terms().get("gradPenalty") > 0 && r.terms().get("hessPenalty") > 0);
        assertNull(r.gradFeatures(), "no feature gradient unless asked for");
    }

    @Test
    void annealingSwitchesPenaltiesOnAndAsksForAResetOnce() {
        RandomCase rc = RandomCase.of(32, 3, 8, 10, 6, 9);
        CmaObjective objective = new CmaObjective(config(5));
        ObjectiveResult before = objective.evaluate(rc.batch(), rc.W(), 4, false);
        assertEquals(before.crossEntropy(), before.value(), 0.0, "penalties are off before T_anneal");
        assertFalse(before.terms().containsKey("hessPenalty"), "and not even computed");
        assertEquals(0.0, before.terms().get("alpha"));
        assertFalse(before.resetOptimizer());
        ObjectiveResult at = objective.evaluate(rc.batch(), rc.W(), 5, false);
        assertTrue(at.resetOptimizer(), "reset at t == T_anneal > 0");
        assertTrue(at.value() > at.crossEntropy());
        assertEquals(2.0, at.terms().get("alpha"));
        assertFalse(objective.evaluate(rc.batch(), rc.W(), 6, false).resetOptimizer());
        assertFalse(new CmaObjective(config(0)).evaluate(rc.batch(), rc.W(), 0, false).resetOptimizer(),
                "no reset when there is no annealing");
    }

    @Test
    void oneDomainHasZeroPenaltiesAndPlainCrossEntropyGradients() {
        RandomCase rc = RandomCase.of(33, 4, 6, 15);
        ObjectiveResult r = new CmaObjective(config(0)).evaluate(rc.batch(), rc.W(), 0, true);
        assertEquals(0.0, r.terms().get("gradPenalty"));
        assertEquals(0.0, r.terms().get("hessPenalty"));
        ObjectiveResult erm = new CmaObjective(config(0).withWeights(0, 0)).evaluate(rc.batch(), rc.W(), 0, true);
        assertClose("dW", erm.gradW(), r.gradW(), 1e-15);
    }

    @Test
    void identicalDomainsHaveZeroPenaltiesAndGradients() {
        RandomCase one = RandomCase.of(34, 3, 5, 12);
        int n = 12;
        DMatrixRMaj X = new DMatrixRMaj(2 * n, 5);
        int[] y = new int[2 * n];
        int[] dom = new int[2 * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 5; j++) {
                X.set(i, j, one.X().get(i, j));
                X.set(n + i, j, one.X().get(i, j));
            }
            y[i] = y[n + i] = one.labels()[i];
            dom[n + i] = 1;
        }
        for (HessianForm form : new HessianForm[]{HessianForm.GRAM, HessianForm.BLOCKED}) {
            CmaObjective.Config penaltiesOnly = config(0).withHessianForm(form);
            ObjectiveResult r = new CmaObjective(penaltiesOnly).evaluate(new HeadBatch(X, y, dom, 3), one.W(), 0, true);
            ObjectiveResult ce = new CmaObjective(penaltiesOnly.withWeights(0, 0)).evaluate(new HeadBatch(X, y, dom, 3), one.W(), 0, true);
            assertEquals(0.0, r.terms().get("gradPenalty"), 1e-15);
            assertEquals(0.0, r.terms().get("hessPenalty"), 1e-15);
            assertClose(form + " dW", ce.gradW(), r.gradW(), 1e-12);
            assertClose(form + " dX", ce.gradFeatures(), r.gradFeatures(), 1e-12);
        }
    }

    @Test
    void domainIdsAndRowOrderDoNotMatter() {
        RandomCase rc = RandomCase.of(35, 3, 6, 7, 11, 5);
        CmaObjective objective = new CmaObjective(config(0));
        ObjectiveResult base = objective.evaluate(rc.batch(), rc.W(), 0, true);
        // relabel domains 1,3,5 -> 40,0,7 (absent ids in between are simply not counted)
        int[] relabelled = rc.domains().clone();
        for (int i = 0; i < relabelled.length; i++) {
            relabelled[i] = relabelled[i] == 1 ? 40 : relabelled[i] == 3 ? 0 : 7;
        }
        ObjectiveResult r = objective.evaluate(new HeadBatch(rc.X(), rc.labels(), relabelled, 3), rc.W(), 0, true);
        assertClose("value", base.value(), r.value(), 1e-13);
        assertClose("dW", base.gradW(), r.gradW(), 1e-12);
        // reverse the rows
        int n = rc.labels().length;
        DMatrixRMaj X = new DMatrixRMaj(n, 6);
        int[] y = new int[n];
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                X.set(i, j, rc.X().get(n - 1 - i, j));
            }
            y[i] = rc.labels()[n - 1 - i];
            d[i] = rc.domains()[n - 1 - i];
        }
        ObjectiveResult rev = objective.evaluate(new HeadBatch(X, y, d, 3), rc.W(), 0, true);
        assertClose("value (rows reversed)", base.value(), rev.value(), 1e-13);
        assertClose("dW (rows reversed)", base.gradW(), rev.gradW(), 1e-12);
        assertEquals(base.gradFeatures().get(0, 2), rev.gradFeatures().get(n - 1, 2), 1e-13);
    }

    @ParameterizedTest
    @EnumSource(HessianForm.class)
    void costModelChoiceNeverChangesTheResult(HessianForm form) {
        RandomCase rc = RandomCase.of(36, 4, 9, 20, 14);
        ObjectiveResult gram = new CmaObjective(config(0).withHessianForm(HessianForm.GRAM)).evaluate(rc.batch(), rc.W(), 0, true);
        CmaObjective objective = new CmaObjective(config(0).withHessianForm(form));
        ObjectiveResult r = objective.evaluate(rc.batch(), rc.W(), 0, true);
        assertClose("value", gram.value(), r.value(), 1e-11);
        assertClose("dX", gram.gradFeatures(), r.gradFeatures(), 1e-10);
        assertTrue(objective.lastHessianForm() == HessianForm.GRAM || objective.lastHessianForm() == HessianForm.BLOCKED);
    }

    @Test
    void domainMeanCrossEntropyWeighsDomainsEqually() {
        RandomCase rc = RandomCase.of(37, 2, 4, 3, 30);
        ObjectiveResult r = new CmaObjective(config(0).withWeights(0, 0).withCrossEntropy(CrossEntropyMode.DOMAIN_MEAN))
                .evaluate(rc.batch(), rc.W(), 0, false);
        double[] losses = io.github.cma4j.core.head.SoftmaxOps.crossEntropyPerExample(
                io.github.cma4j.core.head.SoftmaxOps.logits(rc.X(), rc.W(), null), rc.labels(), null);
        double[] sums = new double[2];
        for (int i = 0; i < losses.length; i++) {
            sums[rc.domains()[i] == 1 ? 0 : 1] += losses[i];
        }
        assertEquals((sums[0] / 3 + sums[1] / 30) / 2, r.value(), 1e-14);
    }

    @Test
    void badInputIsRejectedWithAMessageNamingTheProblem() {
        RandomCase rc = RandomCase.of(38, 3, 4, 5, 5);
        CmaObjective objective = new CmaObjective(config(0));
        int[] badLabel = rc.labels().clone();
        badLabel[7] = 3;
        assertMessage("label 3 at row 7", () -> new HeadBatch(rc.X(), badLabel, rc.domains(), 3));
        int[] negative = rc.domains().clone();
        negative[4] = -2;
        assertMessage("domain id -2 at row 4", () -> new HeadBatch(rc.X(), rc.labels(), negative, 3));
        DMatrixRMaj nan = rc.X().copy();
        nan.set(6, 2, Double.NaN);
        assertMessage("features has a non-finite value NaN at row 6, column 2", () -> new HeadBatch(nan, rc.labels(), rc.domains(), 3));
        DMatrixRMaj inf = rc.W().copy();
        inf.set(1, 3, Double.POSITIVE_INFINITY);
        assertMessage("W has a non-finite value Infinity at row 1, column 3", () -> objective.evaluate(rc.batch(), inf, 0, false));
        assertMessage("W (classes x features) is 3x5, expected 3x4",
                () -> objective.evaluate(rc.batch(), new DMatrixRMaj(3, 5), 0, false));
        assertMessage("labels has length 9 but features have 10 rows",
                () -> new HeadBatch(rc.X(), new int[9], rc.domains(), 3));
        assertMessage("domains has length 11 but features have 10 rows",
                () -> new HeadBatch(rc.X(), rc.labels(), new int[11], 3));
        assertMessage("the batch is empty", () -> new HeadBatch(new DMatrixRMaj(0, 4), new int[0], new int[0], 3));
        assertMessage("alpha must be finite and >= 0", () -> config(0).withWeights(-1, 0));
        assertMessage("step must be >= 0", () -> objective.evaluate(rc.batch(), rc.W(), -1, false));
        assertMessage("unknown normalization preset 'foo'", () -> Normalization.ofPreset("foo"));
        assertMessage("hess_precision must be float64 or float32, got 'half'",
                () -> io.github.cma4j.core.algorithm.Algorithms.create(CmaObjective.NAME, java.util.Map.of("hess_precision", "half"), 0));
    }

    /** {@code hess_precision} reaches the configuration; the diagonal variant has no such setting. */
    @Test
    void productPrecisionComesFromTheRegistry() {
        CmaObjective fromRegistry = (CmaObjective) io.github.cma4j.core.algorithm.Algorithms.create(CmaObjective.NAME,
                java.util.Map.of("hess_precision", "FLOAT32"), 0);
        assertEquals(ProductPrecision.FLOAT32, fromRegistry.config().precision());
        CmaObjective byDefault = (CmaObjective) io.github.cma4j.core.algorithm.Algorithms.create(CmaObjective.NAME,
                java.util.Map.of(), 0);
        assertEquals(ProductPrecision.FLOAT64, byDefault.config().precision());
        CmaObjective diagonal = (CmaObjective) io.github.cma4j.core.algorithm.Algorithms.create(CmaObjective.DIAGONAL_NAME,
                java.util.Map.of(), 0);
        assertEquals(ProductPrecision.FLOAT64, diagonal.config().precision());
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should contain '" + fragment + "'");
    }
}
