package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.testing.GradientCheck;
import io.github.cma4j.core.testing.MaterializedHessianPenalty;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every closed-form gradient against central finite differences, each term separately and the whole objective,
 * w.r.t. W and w.r.t. the features, over C ∈ {2, 3, 7}, D up to 40, E ∈ {1, 2, 3, 5} and unequal domain sizes.
 */
class PenaltyGradientTest {
    private static final double TOL = 1e-6;

    /** One term of the objective: adds weight·∂term into the pass and returns the term's value. */
    interface Term {
        double addTo(HeadPass pass, double weight);
    }

    static final Map<String, Term> TERMS = Map.ofEntries(
            Map.entry("crossEntropy(pooled)", (pass, w) -> pass.addCrossEntropy(CrossEntropyMode.POOLED, w)),
            Map.entry("crossEntropy(domainMean)", (pass, w) -> pass.addCrossEntropy(CrossEntropyMode.DOMAIN_MEAN, w)),
            Map.entry("gradPenalty", (pass, w) -> GradientAlignmentPenalty.addWithConstant(pass, 0.7, w)),
            Map.entry("gradPenalty(gram)", (pass, w) -> new GramHessianPenalty().addTo(pass, 0.7, w, 0.9, 0.0)[0]),
            Map.entry("hessPenalty(gram)", (pass, w) -> new GramHessianPenalty().addTo(pass, 0.9, w)),
            Map.entry("hessPenalty(blocked)", (pass, w) -> new BlockedHessianPenalty().addTo(pass, 0.9, w)),
            Map.entry("hessPenalty(diagonal)", (pass, w) -> DiagonalHessianPenalty.addTo(pass, 0.9, w)),
            Map.entry("hessPenalty(materialized)", (pass, w) -> MaterializedHessianPenalty.addTo(pass, 0.9, w)));

    static List<RandomCase> cases() {
        return List.of(
                RandomCase.of(11, 2, 40, 7, 13),
                RandomCase.of(12, 3, 12, 5, 9, 4),
                RandomCase.of(13, 7, 9, 4, 6, 3, 8, 5),
                RandomCase.of(14, 3, 5, 11),
                RandomCase.of(15, 7, 20, 6, 10, 8));
    }

    static Stream<Arguments> termCases() {
        List<Arguments> out = new ArrayList<>();
        for (String term : TERMS.keySet()) {
            for (RandomCase rc : cases()) {
                if (term.contains("materialized") && rc.X().numCols > 12) {
                    continue;   // the naive reference is O(n C² D²) per entry: keep it to small heads
                }
                out.add(Arguments.of(term, rc));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("termCases")
    void termGradientsMatchFiniteDifferences(String termName, RandomCase rc) {
        Term term = TERMS.get(termName);
        HeadBatch batch = rc.batch();
        HeadPass pass = new HeadPass(batch, rc.W(), true);
        double value = term.addTo(pass, 1.0);
        ObjectiveResult result = pass.finish(value, 0, Map.of(), false);

        DMatrixRMaj numW = GradientCheck.numerical(w -> term.addTo(new HeadPass(batch, w, false), 0.0), rc.W());
        DMatrixRMaj numX = GradientCheck.numerical(x -> term.addTo(new HeadPass(rc.batch(x), rc.W(), false), 0.0), rc.X());
        assertClose(termName + " dW", numW, result.gradW(), TOL);
        assertClose(termName + " dX", numX, result.gradFeatures(), TOL);
        if (batch.index().numDomains() == 1 && (termName.startsWith("hess") || termName.startsWith("gradPenalty"))) {
            assertEquals(0.0, value, "a single domain has no penalty");
        }
    }

    static Stream<Arguments> objectiveCases() {
        List<Arguments> out = new ArrayList<>();
        for (RandomCase rc : cases()) {
            for (HessianMode mode : HessianMode.values()) {
                for (HessianForm form : List.of(HessianForm.GRAM, HessianForm.BLOCKED)) {
                    for (CrossEntropyMode ce : CrossEntropyMode.values()) {
                        out.add(Arguments.of(rc, mode, form, ce));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} {2} {3} on {0}")
    @MethodSource("objectiveCases")
    void objectiveGradientsMatchFiniteDifferences(RandomCase rc, HessianMode mode, HessianForm form, CrossEntropyMode ce) {
        CmaObjective.Config config = new CmaObjective.Config(3.0, 5.0, 0, Normalization.explicit(0.8, 0.6), mode, form, ce);
        CmaObjective objective = new CmaObjective(config);
        ObjectiveResult r = objective.evaluate(rc.batch(), rc.W(), 0, true);
        DMatrixRMaj numW = GradientCheck.numerical(w -> objective.evaluate(rc.batch(), w, 0, false).value(), rc.W());
        DMatrixRMaj numX = GradientCheck.numerical(x -> objective.evaluate(rc.batch(x), rc.W(), 0, false).value(), rc.X());
        assertClose("total dW", numW, r.gradW(), TOL);
        assertClose("total dX", numX, r.gradFeatures(), TOL);
        // the logit gradient is the one that produced dW: ∂L/∂W = (∂L/∂Z)ᵀ X̃
        DMatrixRMaj viaLogits = new DMatrixRMaj(rc.W().numRows, rc.W().numCols);
        org.ejml.dense.row.CommonOps_DDRM.multTransA(r.gradLogits(), rc.X(), viaLogits);
        assertClose("dZᵀX", viaLogits, r.gradW(), 1e-12);
    }

    /** ∂L/∂X̃ is completed in the pass's own accumulator, so a second finish (which would add ∂L/∂Z·W again) fails. */
    @Test
    void aPassFinishesOnce() {
        RandomCase rc = cases().get(0);
        HeadPass pass = new HeadPass(rc.batch(), rc.W(), true);
        double value = pass.addCrossEntropy(CrossEntropyMode.POOLED, 1.0);
        ObjectiveResult result = pass.finish(value, value, Map.of(), false);
        assertSame(pass.gradFeaturesDirect(), result.gradFeatures());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> pass.finish(value, value, Map.of(), false));
        assertTrue(e.getMessage().contains("already finished"), e.getMessage());
    }
}
