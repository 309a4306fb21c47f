package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.testing.MaterializedHessianPenalty;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Gram form, the blocked form and the naively materialised Hessian agree to 1e-10, value and gradients. */
class HessianFormAgreementTest {

    static List<RandomCase> cases() {
        return List.of(
                RandomCase.of(21, 2, 17, 30, 45),
                RandomCase.of(22, 3, 10, 12, 7, 20),
                RandomCase.of(23, 7, 6, 5, 9, 4, 11, 8),
                RandomCase.of(24, 10, 5, 8, 8, 8),
                RandomCase.of(25, 4, 12, 3, 25));
    }

    private static ObjectiveResult run(RandomCase rc, String form) {
        HeadPass pass = new HeadPass(rc.batch(), rc.W(), true);
        double v = switch (form) {
            case "gram" -> new GramHessianPenalty().addTo(pass, 0.8, 1.0);
            case "blocked" -> new BlockedHessianPenalty().addTo(pass, 0.8, 1.0);
            default -> MaterializedHessianPenalty.addTo(pass, 0.8, 1.0);
        };
        return pass.finish(v, 0, Map.of(), false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gramBlockedAndMaterializedAgree(RandomCase rc) {
        ObjectiveResult naive = run(rc, "materialized");
        for (String form : List.of("gram", "blocked")) {
            ObjectiveResult r = run(rc, form);
            assertClose(form + " value", naive.value(), r.value(), 1e-10);
            assertClose(form + " dW", naive.gradW(), r.gradW(), 1e-10);
            assertClose(form + " dX", naive.gradFeatures(), r.gradFeatures(), 1e-10);
            assertClose(form + " dZ", naive.gradLogits(), r.gradLogits(), 1e-10);
        }
    }

    /** P_grad in Gram form (fused with P_hess) equals the direct form, value and gradients, to 1e-10. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gramGradientPenaltyEqualsTheDirectForm(RandomCase rc) {
        HeadPass direct = new HeadPass(rc.batch(), rc.W(), true);
        double pg = GradientAlignmentPenalty.addWithConstant(direct, 0.6, 2.0);
        double ph = new BlockedHessianPenalty().addTo(direct, 0.8, 3.0);
        ObjectiveResult expected = direct.finish(2.0 * pg + 3.0 * ph, 0, Map.of(), false);
        HeadPass fused = new HeadPass(rc.batch(), rc.W(), true);
        double[] both = new GramHessianPenalty().addTo(fused, 0.6, 2.0, 0.8, 3.0);
        ObjectiveResult actual = fused.finish(2.0 * both[0] + 3.0 * both[1], 0, Map.of(), false);
        assertClose("P_grad", pg, both[0], 1e-10);
        assertClose("P_hess", ph, both[1], 1e-10);
        assertClose("dW", expected.gradW(), actual.gradW(), 1e-10);
        assertClose("dX", expected.gradFeatures(), actual.gradFeatures(), 1e-10);
    }

    /** Without feature gradients the blocked form takes its triangular shortcut; ∂W must not change. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void headGradientIsTheSameWithoutFeatureGradients(RandomCase rc) {
        for (boolean gram : new boolean[]{true, false}) {
            HeadPass full = new HeadPass(rc.batch(), rc.W(), true);
            double v1 = gram ? new GramHessianPenalty().addTo(full, 0.8, 1.0) : new BlockedHessianPenalty().addTo(full, 0.8, 1.0);
            HeadPass headOnly = new HeadPass(rc.batch(), rc.W(), false);
            double v2 = gram ? new GramHessianPenalty().addTo(headOnly, 0.8, 1.0) : new BlockedHessianPenalty().addTo(headOnly, 0.8, 1.0);
            assertClose("value", v1, v2, 1e-12);
            assertClose((gram ? "gram" : "blocked") + " dW", full.finish(v1, 0, Map.of(), false).gradW(),
                    headOnly.finish(v2, 0, Map.of(), false).gradW(), 1e-11);
        }
    }

    /**
     * float32 products on float32-valued features (a fine-tuned featurizer's output): only Φ and the row weights
     * are rounded, so value and gradients agree with float64 to 1e-5 — one instance across alternating shapes, so
     * stale padding in its float workspaces would show too.
     */
    @Test
    void float32ProductsAgreeWithFloat64() {
        BlockedHessianPenalty reused = new BlockedHessianPenalty();
        for (RandomCase c : List.of(cases().get(0), cases().get(1), cases().get(2), cases().get(0), cases().get(4))) {
            DMatrixRMaj rounded = c.X().copy();
            for (int idx = 0; idx < rounded.data.length; idx++) {
                rounded.data[idx] = (float) rounded.data[idx];
            }
            RandomCase rc = new RandomCase(rounded, c.labels(), c.domains(), c.numClasses(), c.W());
            for (boolean features : new boolean[]{true, false}) {
                HeadPass exact = new HeadPass(rc.batch(), rc.W(), features);
                double v64 = new BlockedHessianPenalty().addTo(exact, 0.8, 1.0);
                HeadPass single = new HeadPass(rc.batch(), rc.W(), features);
                double v32 = reused.addTo(single, 0.8, 1.0, ProductPrecision.FLOAT32);
                String what = rc + (features ? " with" : " without") + " feature gradients: ";
                assertClose(what + "value", v64, v32, 1e-5);
                ObjectiveResult r64 = exact.finish(v64, 0, Map.of(), false);
                ObjectiveResult r32 = single.finish(v32, 0, Map.of(), false);
                assertClose(what + "dW", r64.gradW(), r32.gradW(), 1e-5);
                assertClose(what + "dZ", r64.gradLogits(), r32.gradLogits(), 1e-5);
                if (features) {
                    assertClose(what + "dX", r64.gradFeatures(), r32.gradFeatures(), 1e-5);
                }
            }
        }
    }

    /** Domains on parallel threads give exactly the sequential result: cross-domain sums run in domain order. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void parallelDomainsAreBitIdentical(RandomCase rc) {
        for (boolean features : new boolean[]{true, false}) {
            HeadPass seq = new HeadPass(rc.batch(), rc.W(), features);
            double v1 = new BlockedHessianPenalty(false).addTo(seq, 0.8, 1.0);
            HeadPass par = new HeadPass(rc.batch(), rc.W(), features);
            double v2 = new BlockedHessianPenalty(true).addTo(par, 0.8, 1.0);
            assertEquals(v1, v2, 0.0);
            assertArrayEquals(seq.gradProbabilities().data, par.gradProbabilities().data, 0.0);
            if (features) {
                assertArrayEquals(seq.gradFeaturesDirect().data, par.gradFeaturesDirect().data, 0.0);
            }
        }
    }

    @Test
    void workspacesAreReusedAcrossShapes() {
        // one instance, alternating shapes: stale workspace content must never leak into a result
        GramHessianPenalty gram = new GramHessianPenalty();
        BlockedHessianPenalty blocked = new BlockedHessianPenalty();
        for (RandomCase rc : List.of(cases().get(0), cases().get(2), cases().get(0), cases().get(1))) {
            ObjectiveResult naive = run(rc, "materialized");
            HeadPass p1 = new HeadPass(rc.batch(), rc.W(), true);
            ObjectiveResult g = p1.finish(gram.addTo(p1, 0.8, 1.0), 0, Map.of(), false);
            HeadPass p2 = new HeadPass(rc.batch(), rc.W(), true);
            ObjectiveResult b = p2.finish(blocked.addTo(p2, 0.8, 1.0), 0, Map.of(), false);
            assertClose("gram reused", naive.gradFeatures(), g.gradFeatures(), 1e-10);
            assertClose("blocked reused", naive.gradFeatures(), b.gradFeatures(), 1e-10);
            assertClose("blocked reused value", naive.value(), b.value(), 1e-10);
        }
    }

    /**
     * Binary softmax: A = p₁p₂[[1,−1],[−1,1]], so ‖H_e − H_f‖² = 4‖E_e[σ(1−σ)x̃x̃ᵀ] − E_f[σ(1−σ)x̃x̃ᵀ]‖²
     * (docs/math.md §6), with σ = p_i1.
     */
    @Test
    void binaryIdentity() {
        RandomCase rc = RandomCase.of(26, 2, 7, 13, 21);
        HeadBatch batch = rc.batch();
        HeadPass pass = new HeadPass(batch, rc.W(), false);
        DMatrixRMaj P = pass.probabilities();
        int d = rc.X().numCols;
        DMatrixRMaj[] h = new DMatrixRMaj[2];
        DMatrixRMaj[] m = new DMatrixRMaj[2];
        for (int e = 0; e < 2; e++) {
            int[] rows = batch.index().rows(e);
            h[e] = HeadDerivatives.hessian(rc.X(), P, rows, null);
            m[e] = new DMatrixRMaj(d, d);
            for (int i : rows) {
                double s = P.get(i, 1);
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        m[e].add(a, b, s * (1 - s) * rc.X().get(i, a) * rc.X().get(i, b) / rows.length);
                    }
                }
            }
        }
        double lhs = 0;
        for (int idx = 0; idx < h[0].getNumElements(); idx++) {
            double diff = h[0].data[idx] - h[1].data[idx];
            lhs += diff * diff;
        }
        double rhs = 0;
        for (int idx = 0; idx < m[0].getNumElements(); idx++) {
            double diff = m[0].data[idx] - m[1].data[idx];
            rhs += 4 * diff * diff;
        }
        assertClose("binary identity", rhs, lhs, 1e-12);
        // and P_hess for E = 2 is (1/2)·(1/2)‖H_0 − H_1‖²·... = ‖H_0 − H_1‖²/4 with c_h = 1
        double penalty = new GramHessianPenalty().addTo(new HeadPass(batch, rc.W(), false), 1.0, 0.0);
        assertClose("P_hess = ‖H_0 − H_1‖²/4", lhs / 4, penalty, 1e-10);
    }
}
