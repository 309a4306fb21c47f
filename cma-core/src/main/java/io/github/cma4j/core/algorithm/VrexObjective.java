package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.Anneal;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * V-REx, the variance of the per-domain risks (cma-math.md §8.3):
 * <pre>
 *   L = L̄ + λ_t (1/E) Σ_e (L_e − L̄)²,   L̄ = (1/E) Σ_e L_e,   λ_t = vrex_lambda if t ≥ T else 1
 * </pre>
 * Backward: ∂L/∂L_e = 1/E + λ_t (2/E)(L_e − L̄). The optimiser is reset at t == T > 0.
 *
 * <pre>
 * D. Krueger et al. "Out-of-Distribution Generalization via Risk Extrapolation (REx)", ICML 2021.
 * </pre>
 */
public final class VrexObjective implements DomainObjective {
    /** Registry name. */
    public static final String NAME = "VREx";
    /** Registry entry: vrex_lambda 1e1 ~ 10^U(−1,5), vrex_penalty_anneal_iters 500 ~ int(10^U(0,4)). */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME, "variance of per-domain risks (V-REx)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("vrex_lambda", 1e1, new Distribution.Log10Uniform(-1, 5), "penalty weight after the anneal"),
                    Hyperparameter.integer("vrex_penalty_anneal_iters", 500, new Distribution.IntPowUniform(10, 0, 4),
                            "steps with weight 1 before vrex_lambda applies"))),
            (hp, seed) -> new VrexObjective(hp.getDouble("vrex_lambda"), hp.getLong("vrex_penalty_anneal_iters")));

    private final double lambda;
    private final long annealSteps;

    /**
     * @param lambda      λ after the anneal, {@code >= 0}.
     * @param annealSteps T.
     */
    public VrexObjective(double lambda, long annealSteps) {
        Checks.nonNegativeFinite("vrex_lambda", lambda);
        Checks.nonNegative("vrex_penalty_anneal_iters", annealSteps);
        this.lambda = lambda;
        this.annealSteps = annealSteps;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        HeadPass pass = new HeadPass(batch, W, featureGradients);
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
        double weight = Anneal.weight(step, annealSteps, 1.0, lambda);
        for (int e = 0; e < numDomains; e++) {
            pass.addDomainLossGradient(e, 1.0 / numDomains + weight * 2.0 / numDomains * (losses[e] - mean));
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("crossEntropy", mean);
        terms.put("penalty", variance);
        terms.put("weight", weight);
        return pass.finish(mean + weight * variance, mean, terms, Anneal.resetsOptimizer(step, annealSteps));
    }
}
