package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The numeric test vector of docs/math.md §9 (computed in float64 from the closed forms and confirmed by
 * PyTorch autograd with exact Hessians). Expected values are quoted with 10–13 significant digits; they are
 * compared to 1e-10 absolute (values) or relative (the 13-digit penalties).
 */
class TestVectorTest {
    private static final double[][] PHI = {{0.5, -1.0}, {1.5, 0.25}, {-0.5, 2.0}, {1.0, 1.0}, {0.0, -0.75}, {2.0, 0.5}};
    private static final double[][] W_ROWS = {{0.1, 0.2, -0.3}, {0.0, -0.1, 0.4}, {-0.2, 0.3, 0.1}};
    private static final int[] Y = {0, 2, 1, 1, 0, 2};
    private static final int[] DOMAINS = {0, 0, 0, 1, 1, 1};
    private static final double ABS = 1e-10;

    /** x̃ = [1; φ] (bias first) or [φ; 1] (bias last), with W's columns permuted to match. */
    private static DMatrixRMaj features(boolean biasFirst) {
        DMatrixRMaj X = new DMatrixRMaj(6, 3);
        for (int i = 0; i < 6; i++) {
            X.set(i, biasFirst ? 0 : 2, 1.0);
            X.set(i, biasFirst ? 1 : 0, PHI[i][0]);
            X.set(i, biasFirst ? 2 : 1, PHI[i][1]);
        }
        return X;
    }

    private static DMatrixRMaj head(boolean biasFirst) {
        DMatrixRMaj W = new DMatrixRMaj(W_ROWS);
        if (biasFirst) {
            return W;
        }
        DMatrixRMaj out = new DMatrixRMaj(3, 3);
        for (int k = 0; k < 3; k++) {
            out.set(k, 2, W.get(k, 0));
            out.set(k, 0, W.get(k, 1));
            out.set(k, 1, W.get(k, 2));
        }
        return out;
    }

    private static HeadBatch batch() {
        return new HeadBatch(features(true), Y, DOMAINS, 3);
    }

    private static void assertRow(String what, double[] expected, DMatrixRMaj m, int row) {
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], m.get(row, j), ABS, what + " row " + row + " col " + j);
        }
    }

    private static void assertRel(String what, double expected, double actual) {
        assertEquals(expected, actual, 1e-10 * Math.abs(expected), what);
    }

    @Test
    void forwardQuantities() {
        HeadPass pass = new HeadPass(batch(), head(true), false);
        assertRow("p_0", new double[]{0.5238929774, 0.2026109063, 0.2734961163}, pass.probabilities(), 0);
        assertEquals(0.796432743634, pass.addCrossEntropy(CrossEntropyMode.POOLED, 0.0), 1e-12, "pooled CE");
        int[] rows0 = batch().index().rows(0);
        DMatrixRMaj g0 = HeadDerivatives.headGradient(pass.features(), pass.probabilities(), Y, rows0, null);
        assertRow("G_0", new double[]{0.0164252731, 0.0857520459, 0.2878739234}, g0, 0);
        DMatrixRMaj h0 = HeadDerivatives.hessian(pass.features(), pass.probabilities(), rows0, null);
        assertEquals(2.123160520234, CommonOps_DDRM.trace(h0), 1e-12, "tr H_0");
        DMatrixRMaj hvp = HeadDerivatives.hessianVectorProduct(pass.features(), pass.probabilities(), rows0, head(true), null);
        assertRow("H_0[W]", new double[]{0.0300824135, 0.0788517441, -0.1593889481}, hvp, 0);
        assertRow("H_0[W]", new double[]{0.0302385025, -0.0993012391, 0.2173392722}, hvp, 1);
        assertRow("H_0[W]", new double[]{-0.0603209160, 0.0204494950, -0.0579503241}, hvp, 2);
    }

    @Test
    void domainWeightsOmega() {
        DMatrixRMaj omega = GramHessianPenalty.domainWeights(batch().index());
        assertEquals(1.0 / 36, omega.get(0, 2), 1e-15, "same domain");
        assertEquals(-1.0 / 36, omega.get(1, 4), 1e-15, "different domain");
        assertEquals(1.0 / 36, omega.get(5, 3), 1e-15, "same domain");
    }

    @Test
    void penaltiesWithUnitConstants() {
        for (boolean biasFirst : new boolean[]{true, false}) {
            HeadBatch b = new HeadBatch(features(biasFirst), Y, DOMAINS, 3);
            for (HessianForm form : new HessianForm[]{HessianForm.GRAM, HessianForm.BLOCKED}) {
                double[] values = penalties(b, head(biasFirst), Normalization.none(), HessianMode.FULL, form);
                assertRel("P_grad " + form + " biasFirst=" + biasFirst, 3.672959192234e-02, values[0]);
                assertRel("P_hess " + form + " biasFirst=" + biasFirst, 2.080499747664e-01, values[1]);
            }
            double[] diag = penalties(b, head(biasFirst), Normalization.none(), HessianMode.DIAGONAL, HessianForm.AUTO);
            assertRel("P_hess diag biasFirst=" + biasFirst, 4.761075694841e-02, diag[1]);
        }
    }

    @Test
    void penaltiesWithPresetConstants() {
        for (HessianForm form : new HessianForm[]{HessianForm.GRAM, HessianForm.BLOCKED}) {
            double[] db = penalties(batch(), head(true), Normalization.domainBed(), HessianMode.FULL, form);
            assertRel("DomainBed P_grad", 1.224319730745e-02, db[0]);
            assertRel("DomainBed P_hess", 2.311666386294e-02, db[1]);
            double[] isr = penalties(batch(), head(true), Normalization.isr(), HessianMode.FULL, form);
            assertRel("ISR P_grad", 4.534517521277e-04, isr[0]);
            assertRel("ISR P_hess", 2.568518206993e-03, isr[1]);
        }
    }

    private static double[] penalties(HeadBatch b, DMatrixRMaj W, Normalization norm, HessianMode mode, HessianForm form) {
        CmaObjective objective = new CmaObjective(new CmaObjective.Config(1, 1, 0, norm, mode, form, CrossEntropyMode.POOLED));
        Map<String, Double> terms = objective.evaluate(b, W, 0, false).terms();
        return new double[]{terms.get("gradPenalty"), terms.get("hessPenalty")};
    }

    @Test
    void gradientsOfEachTerm() {
        HeadBatch b = batch();
        DMatrixRMaj W = head(true);
        HeadPass ce = new HeadPass(b, W, false);
        DMatrixRMaj dCe = ce.finish(ce.addCrossEntropy(CrossEntropyMode.POOLED, 1.0), 0, Map.of(), false).gradW();
        assertRow("dCE/dW", new double[]{0.0275013804, 0.2081747862, 0.2852845859}, dCe, 0);
        assertRow("dCE/dW", new double[]{-0.0045429761, 0.0932613930, -0.2631088377}, dCe, 1);
        assertRow("dCE/dW", new double[]{-0.0229584043, -0.3014361793, -0.0221757482}, dCe, 2);

        HeadPass pg = new HeadPass(b, W, false);
        DMatrixRMaj dGrad = pg.finish(GradientAlignmentPenalty.addWithConstant(pg, 1.0, 1.0), 0, Map.of(), false).gradW();
        assertRow("dPgrad/dW", new double[]{0.0170175021, 0.0281850805, 0.0380505004}, dGrad, 0);
        assertRow("dPgrad/dW", new double[]{-0.0256516986, -0.0237846532, -0.0531002501}, dGrad, 1);
        assertRow("dPgrad/dW", new double[]{0.0086341965, -0.0044004273, 0.0150497497}, dGrad, 2);

        for (boolean gram : new boolean[]{true, false}) {
            HeadPass ph = new HeadPass(b, W, true);
            double v = gram ? new GramHessianPenalty().addTo(ph, 1.0, 1.0) : new BlockedHessianPenalty().addTo(ph, 1.0, 1.0);
            ObjectiveResult r = ph.finish(v, 0, Map.of(), false);
            String what = gram ? "dPhess/dW (Gram)" : "dPhess/dW (blocked)";
            assertRow(what, new double[]{0.0202191285, -0.0025597204, 0.0430235050}, r.gradW(), 0);
            assertRow(what, new double[]{-0.0615808168, 0.0374320279, -0.1298740210}, r.gradW(), 1);
            assertRow(what, new double[]{0.0413616883, -0.0348723075, 0.0868505161}, r.gradW(), 2);
            // ∂P_hess/∂φ for sample 0: the feature gradient without the bias column
            assertEquals(0.0067924777, r.gradFeatures().get(0, 1), ABS, what + " dφ_0[0]");
            assertEquals(-0.0773044491, r.gradFeatures().get(0, 2), ABS, what + " dφ_0[1]");
        }

        HeadPass pd = new HeadPass(b, W, false);
        DMatrixRMaj dDiag = pd.finish(DiagonalHessianPenalty.addTo(pd, 1.0, 1.0), 0, Map.of(), false).gradW();
        assertRow("dPdiag/dW", new double[]{0.0087273022, -0.0028961066, 0.0186762487}, dDiag, 0);
        assertRow("dPdiag/dW", new double[]{-0.0203988617, 0.0146839302, -0.0452170931}, dDiag, 1);
        assertRow("dPdiag/dW", new double[]{0.0116715595, -0.0117878236, 0.0265408444}, dDiag, 2);
    }
}
