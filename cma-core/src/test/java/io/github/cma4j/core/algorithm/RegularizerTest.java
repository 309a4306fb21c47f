package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;
import io.github.cma4j.core.testing.GradientCheck;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered penalty used alone, through the {@link Regularizer} API: its gradients match finite differences,
 * and cross-entropy plus the weighted regularizers, each evaluated on its own, is the registered objective.
 */
class RegularizerTest {
    private static final RandomCase CASE = RandomCase.of(71, 3, 5, 6, 7, 5);

    static Stream<Arguments> penalties() {
        List<Arguments> out = new ArrayList<>();
        for (AlgorithmSpec spec : Algorithms.BUILT_IN) {
            for (PenaltySpec p : spec.penalties()) {
                out.add(Arguments.of(spec.name(), p.term()));
            }
        }
        return out.stream();
    }

    static List<String> penalized() {
        return Algorithms.BUILT_IN.stream().filter(s -> !s.penalties().isEmpty()).map(AlgorithmSpec::name).toList();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("penalties")
    void aloneItsGradientsMatchFiniteDifferences(String name, String term) {
        AlgorithmSpec spec = Algorithms.get(name);
        Regularizer r = spec.regularizer(term, spec.testSettings(), 17L);
        Object state = r.saveState();   // before the evaluation: every finite-difference evaluation starts from it
        Regularizer.Result result = r.evaluate(CASE.batch(), CASE.W(), 1, true);
        assertTrue(Double.isFinite(result.value()) && result.value() >= 0, name + " " + term + " = " + result.value());
        if (r instanceof StopGradientHolder holder) {
            holder.holdStopGradients(true);   // differentiate with the stop-gradient quantities held, as evaluated
        }
        DMatrixRMaj numW = GradientCheck.numerical(w -> {
            r.restoreState(state);
            return r.evaluate(CASE.batch(), w, 1, false).value();
        }, CASE.W());
        DMatrixRMaj numX = GradientCheck.numerical(x -> {
            r.restoreState(state);
            return r.evaluate(CASE.batch(x), CASE.W(), 1, false).value();
        }, CASE.X());
        assertClose(name + " " + term + " dW", numW, result.gradW(), 1e-6);
        assertClose(name + " " + term + " dX", numX, result.gradFeatures(), 1e-6);
    }

    @ParameterizedTest
    @MethodSource("penalized")
    void theObjectiveIsCrossEntropyPlusTheWeightedRegularizers(String name) {
        AlgorithmSpec spec = Algorithms.get(name);
        Hyperparameters hp = spec.hyperparameters().resolve(spec.testSettings());
        ObjectiveResult whole = spec.create(spec.testSettings(), 17L).evaluate(CASE.batch(), CASE.W(), 1, true);
        double value = whole.crossEntropy();
        DMatrixRMaj gradW = ceGradient(whole.crossEntropy(), true);
        DMatrixRMaj gradX = ceGradient(whole.crossEntropy(), false);
        for (PenaltySpec p : spec.penalties()) {
            double weight = p.weightAt(hp, 1);
            Regularizer.Result alone = spec.regularizer(p.term(), spec.testSettings(), 17L).evaluate(CASE.batch(), CASE.W(), 1, true);
            assertEquals(alone.value(), whole.terms().get(p.term()), 1e-12 * Math.max(1, alone.value()), name + " " + p.term());
            assertEquals(weight, whole.terms().get(p.weightTerm()), 0.0, name + " " + p.weightTerm());
            value += weight * alone.value();
            CommonOps_DDRM.addEquals(gradW, weight, alone.gradW());
            CommonOps_DDRM.addEquals(gradX, weight, alone.gradFeatures());
        }
        assertEquals(value, whole.value(), 1e-12 * Math.abs(value), name + " value");
        assertClose(name + " dW", gradW, whole.gradW(), 1e-10);
        assertClose(name + " dX", gradX, whole.gradFeatures(), 1e-10);
    }

    /** ∂CE/∂W or ∂CE/∂X̃ in whichever convention (pooled, domain mean) gives the objective's cross-entropy. */
    private static DMatrixRMaj ceGradient(double crossEntropy, boolean head) {
        for (CrossEntropyMode mode : CrossEntropyMode.values()) {
            HeadPass pass = new HeadPass(CASE.batch(), CASE.W(), true);
            double ce = pass.addCrossEntropy(mode, 1.0);
            if (Math.abs(ce - crossEntropy) <= 1e-14 * Math.abs(ce)) {
                ObjectiveResult r = pass.finish(ce, ce, Map.of(), false);
                return head ? r.gradW() : r.gradFeatures();
            }
        }
        throw new AssertionError("no cross-entropy convention gives " + crossEntropy);
    }
}
