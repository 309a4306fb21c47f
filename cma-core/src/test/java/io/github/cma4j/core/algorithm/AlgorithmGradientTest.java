package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.PenalizedObjective;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import io.github.cma4j.core.testing.GradientCheck;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry-driven: every registered algorithm's W and feature gradients against central finite differences
 * (relative error ≤ 1e-6), with every penalty switched on at a moderate weight. Stateful algorithms (Fishr,
 * GroupDRO) are checked at a fixed state; Hutchinson's probes are fixed by its seed and the step.
 */
class AlgorithmGradientTest {

    /** Settings that switch every term on. A new algorithm must be added here consciously. */
    /** Further settings of word-valued or fixed hyperparameters that switch to another formula. */
    static final List<Map.Entry<String, Map<String, String>>> VARIANTS = List.of(
            Map.entry("IRM", Map.of("irm_lambda", "3", "irm_penalty_anneal_iters", "0", "irm_penalty", "full")),
            Map.entry("Fishr", Map.of("lambda", "50", "penalty_anneal_iters", "5", "ema", "0", "lambda_before_anneal", "7")));

    static List<RandomCase> cases() {
        return List.of(
                RandomCase.of(41, 2, 9, 6, 11),
                RandomCase.of(42, 3, 6, 5, 8, 4),
                RandomCase.of(43, 7, 5, 4, 6, 3, 7, 5),
                RandomCase.of(44, 3, 4, 9));
    }

    static Stream<Arguments> algorithmCases() {
        List<Arguments> out = new ArrayList<>();
        List<Map.Entry<String, Map<String, String>>> settings = new ArrayList<>();
        for (AlgorithmSpec spec : Algorithms.BUILT_IN) {
            settings.add(Map.entry(spec.name(), spec.testSettings()));
        }
        settings.addAll(VARIANTS);
        for (Map.Entry<String, Map<String, String>> entry : settings) {
            for (RandomCase rc : cases()) {
                out.add(Arguments.of(entry.getKey(), entry.getValue(), rc));
            }
        }
        return out.stream();
    }

    /** The spec's test settings switch every penalty on at step 1, so the finite differences see all of it. */
    @Test
    void everyPenaltyIsActiveUnderItsTestSettings() {
        int checked = 0;
        for (AlgorithmSpec spec : Algorithms.BUILT_IN) {
            Hyperparameters hp = spec.hyperparameters().resolve(spec.testSettings());
            for (PenaltySpec penalty : spec.penalties()) {
                assertTrue(penalty.weightAt(hp, 1) > 0, spec.name() + " " + penalty.term() + " is off at step 1");
                checked++;
            }
        }
        assertTrue(checked >= Algorithms.BUILT_IN.size(), "penalties checked: " + checked);
    }

    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("algorithmCases")
    void gradientsMatchFiniteDifferences(String name, Map<String, String> settings, RandomCase rc) {
        DomainObjective objective = Algorithms.create(name, settings, 17L);
        objective.evaluate(rc.batch(), rc.W(), 0, false);         // step 0 builds any state (EMA, group weights)
        Object state = objective.saveState();
        objective.restoreState(state);
        ObjectiveResult r = objective.evaluate(rc.batch(), rc.W(), 1, true);
        assertTrue(Double.isFinite(r.value()));
        Object fdState = state;
        if (objective instanceof PenalizedObjective penalized) {
            // HGP's h̄, Hutchinson's D̄: held at the values the evaluation used; the carried state stays as it was
            penalized.regularizers().stream().filter(reg -> reg instanceof StopGradientHolder)
                    .forEach(reg -> ((StopGradientHolder) reg).holdStopGradients(true));
        } else if (objective instanceof StopGradientHolder holder) {
            // differentiate the function whose gradient evaluate returns: stop-gradient quantities (and, for
            // GroupDRO, the weights this step's update produced) held at the values the evaluation used
            holder.holdStopGradients(true);
            fdState = objective.saveState();
        }
        Object held = fdState;
        DMatrixRMaj numW = GradientCheck.numerical(w -> {
            objective.restoreState(held);
            return objective.evaluate(rc.batch(), w, 1, false).value();
        }, rc.W());
        DMatrixRMaj numX = GradientCheck.numerical(x -> {
            objective.restoreState(held);
            return objective.evaluate(rc.batch(x), rc.W(), 1, false).value();
        }, rc.X());
        assertClose(name + " dW", numW, r.gradW(), 1e-6);
        assertClose(name + " dX", numX, r.gradFeatures(), 1e-6);
    }
}
