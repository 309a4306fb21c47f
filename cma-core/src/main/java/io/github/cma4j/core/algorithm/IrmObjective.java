package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.Anneal;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IRMv1 in DomainBed's split-batch form (cma-math.md §8.2):
 * <pre>
 *   per domain: rows at even positions (a) and odd positions (b) of the domain's part of the batch
 *   g_a = mean_{i∈a} r_i·z_i   (= ∂/∂s CE(s·z_a, y_a) at s = 1), g_b likewise
 *   L = (1/E) Σ_e L_e + λ_t (1/E) Σ_e g_a g_b,   λ_t = irm_lambda if t ≥ T else 1
 * </pre>
 * Backward: ∂(r·z)/∂z = r + A z, so row i ∈ a gets (λ_t/E)(g_b/|a|)(r_i + A_i z_i). The optimiser is reset at
 * t == T > 0. DomainBed does not divide the loss by λ (the original IRM script does). A domain with fewer than
 * two rows in the batch has an empty half and contributes no penalty.
 *
 * <pre>
 * M. Arjovsky, L. Bottou, I. Gulrajani, D. Lopez-Paz. "Invariant Risk Minimization", arXiv 1907.02893, 2019.
 * </pre>
 */
public final class IrmObjective implements DomainObjective {
    /** Registry name. */
    public static final String NAME = "IRM";
    /** Registry entry: irm_lambda 1e2 ~ 10^U(−1,5), irm_penalty_anneal_iters 500 ~ int(10^U(0,4)). */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME, "invariant risk minimisation (IRMv1, split-batch penalty)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("irm_lambda", 1e2, new Distribution.Log10Uniform(-1, 5), "penalty weight after the anneal"),
                    Hyperparameter.integer("irm_penalty_anneal_iters", 500, new Distribution.IntPowUniform(10, 0, 4),
                            "steps with weight 1 before irm_lambda applies"))),
            (hp, seed) -> new IrmObjective(hp.getDouble("irm_lambda"), hp.getLong("irm_penalty_anneal_iters")));

    private final double lambda;
    private final long annealSteps;

    /**
     * @param lambda      λ after the anneal, {@code >= 0}.
     * @param annealSteps T.
     */
    public IrmObjective(double lambda, long annealSteps) {
        Checks.nonNegativeFinite("irm_lambda", lambda);
        Checks.nonNegative("irm_penalty_anneal_iters", annealSteps);
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
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        double nll = pass.addCrossEntropy(CrossEntropyMode.DOMAIN_MEAN, 1.0);     // (1/E) Σ_e L_e
        double weight = Anneal.weight(step, annealSteps, 1.0, lambda);
        DMatrixRMaj Z = pass.logits();
        DMatrixRMaj R = pass.residuals();
        int c = Z.numCols;
        double penalty = 0;
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            int sizeA = (rows.length + 1) / 2;
            int sizeB = rows.length / 2;
            if (sizeB == 0) {
                continue;
            }
            double ga = 0;
            double gb = 0;
            for (int pos = 0; pos < rows.length; pos++) {
                int i = rows[pos];
                double rz = 0;
                for (int k = 0; k < c; k++) {
                    rz += R.data[i * c + k] * Z.data[i * c + k];
                }
                if (pos % 2 == 0) {
                    ga += rz / sizeA;
                } else {
                    gb += rz / sizeB;
                }
            }
            penalty += ga * gb / numDomains;
            for (int pos = 0; pos < rows.length; pos++) {
                int i = rows[pos];
                // ∂(g_a g_b)/∂z_i = g_other/|half| · (r_i + A_i z_i): r_i directly on Z, z_i through P's Jacobian
                double g = weight / numDomains * (pos % 2 == 0 ? gb / sizeA : ga / sizeB);
                for (int k = 0; k < c; k++) {
                    pass.gradLogits().data[i * c + k] += g * R.data[i * c + k];
                    pass.gradProbabilities().data[i * c + k] += g * Z.data[i * c + k];
                }
            }
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("crossEntropy", nll);
        terms.put("penalty", penalty);
        terms.put("weight", weight);
        return pass.finish(nll + weight * penalty, nll, terms, Anneal.resetsOptimizer(step, annealSteps));
    }
}
