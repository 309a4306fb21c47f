package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;

import java.util.List;
import java.util.Map;

/**
 * V-REx, the variance of the per-domain risks (docs/math.md §8.3):
 * <pre>
 *   L = L̄ + λ_t (1/E) Σ_e (L_e − L̄)²,   L̄ = (1/E) Σ_e L_e,   λ_t = vrex_lambda if t ≥ T else 1
 * </pre>
 * Backward: ∂(variance)/∂L_e = (2/E)(L_e − L̄); the objective adds the mean term's 1/E. The optimiser is reset at
 * t == T > 0.
 *
 * <pre>
 * D. Krueger et al. "Out-of-Distribution Generalization via Risk Extrapolation (REx)", ICML 2021.
 * </pre>
 */
public final class VrexPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "VREx";
    /** Registry entry: vrex_lambda 1e1 ~ 10^U(−1,5), vrex_penalty_anneal_iters 500 ~ int(10^U(0,4)); domain-mean CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "variance of per-domain risks (V-REx)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("vrex_lambda", 1e1, new Distribution.Log10Uniform(-1, 5), "penalty weight after the anneal"),
                    Hyperparameter.integer("vrex_penalty_anneal_iters", 500, new Distribution.IntPowUniform(10, 0, 4),
                            "steps with weight 1 before vrex_lambda applies"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            List.of(PenaltySpec.annealed("penalty", "weight", "vrex_lambda", "vrex_penalty_anneal_iters", hp -> 1.0, true,
                    (hp, seed) -> new VrexPenalty())),
            Map.of("vrex_lambda", "3", "vrex_penalty_anneal_iters", "0"));

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        double[] losses = pass.domainLosses();
        int numDomains = losses.length;
        double mean = 0;
        for (double l : losses) {
            mean += l / numDomains;
        }
        double variance = 0;
        for (double l : losses) {
            variance += (l - mean) * (l - mean) / numDomains;
        }
        for (int e = 0; e < numDomains; e++) {
            pass.addDomainLossGradient(e, weight * 2.0 / numDomains * (losses[e] - mean));
        }
        return variance;
    }
}
