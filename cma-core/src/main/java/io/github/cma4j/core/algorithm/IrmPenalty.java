package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;
import org.ejml.data.DMatrixRMaj;

import java.util.List;
import java.util.Map;

/**
 * IRMv1 (docs/math.md §8.2), by default in DomainBed's split-batch form ({@code irm_penalty = split}):
 * <pre>
 *   per domain: rows at even positions (a) and odd positions (b) of the domain's part of the batch
 *   g_a = mean_{i∈a} r_i·z_i   (= ∂/∂s CE(s·z_a, y_a) at s = 1), g_b likewise
 *   L = (1/E) Σ_e L_e + λ_t (1/E) Σ_e g_a g_b,   λ_t = irm_lambda if t ≥ T else 1
 * </pre>
 * With {@code irm_penalty = full} the penalty is the original IRM script's (docs/results.md, IRM protocol): the squared scale
 * gradient of the whole domain, (1/E) Σ_e g_e² with g_e = mean_{i∈e} r_i·z_i — biased for small batches, exact for
 * the full-batch protocol it was written for.
 * <p>
 * Backward: ∂(r·z)/∂z = r + A z, so row i ∈ a gets (λ_t/E)(g_b/|a|)(r_i + A_i z_i) (full: (λ_t/E)(2 g_e/n_e)(…)).
 * The optimiser is reset at t == T > 0. DomainBed does not divide the loss by λ (the original IRM script does). A
 * domain with fewer than two rows in the batch has an empty half and contributes no split penalty.
 *
 * <pre>
 * M. Arjovsky, L. Bottou, I. Gulrajani, D. Lopez-Paz. "Invariant Risk Minimization", arXiv 1907.02893, 2019.
 * </pre>
 */
public final class IrmPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "IRM";
    /** Registry entry: irm_lambda 1e2 ~ 10^U(−1,5), irm_penalty_anneal_iters 500 ~ int(10^U(0,4)); domain-mean CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "invariant risk minimisation (IRMv1, split-batch penalty)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("irm_lambda", 1e2, new Distribution.Log10Uniform(-1, 5), "penalty weight after the anneal"),
                    Hyperparameter.integer("irm_penalty_anneal_iters", 500, new Distribution.IntPowUniform(10, 0, 4),
                            "steps with weight 1 before irm_lambda applies"),
                    Hyperparameter.word("irm_penalty", "split",
                            "split (DomainBed: product of the two half-batch scale gradients) or full (IRM script: squared)"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            // not an alignment penalty: identical domains still have a non-zero scale gradient
            List.of(PenaltySpec.annealed("penalty", "weight", "irm_lambda", "irm_penalty_anneal_iters", hp -> 1.0, false,
                    (hp, seed) -> new IrmPenalty(splitBatch(hp.getString("irm_penalty"))))),
            Map.of("irm_lambda", "3", "irm_penalty_anneal_iters", "0"));

    private final boolean splitBatch;

    /**
     * @param splitBatch true for DomainBed's product of half-batch scale gradients, false for the IRM script's
     *                   squared whole-domain scale gradient.
     */
    public IrmPenalty(boolean splitBatch) {
        this.splitBatch = splitBatch;
    }

    private static boolean splitBatch(String penalty) {
        return switch (penalty) {
            case "split" -> true;
            case "full" -> false;
            default -> throw new IllegalArgumentException("irm_penalty must be 'split' or 'full', got '" + penalty + "'");
        };
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        DMatrixRMaj Z = pass.logits();
        DMatrixRMaj R = pass.residuals();
        int c = Z.numCols;
        double penalty = 0;
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            if (!splitBatch) {
                double g = 0;
                for (int i : rows) {
                    g += rowScaleGradient(R, Z, i, c) / rows.length;
                }
                penalty += g * g / numDomains;
                addScaleGradientBackward(pass, R, Z, rows, 0, 1, weight / numDomains * 2 * g / rows.length);
                continue;
            }
            int sizeA = (rows.length + 1) / 2;
            int sizeB = rows.length / 2;
            if (sizeB == 0) {
                continue;
            }
            double ga = 0;
            double gb = 0;
            for (int pos = 0; pos < rows.length; pos++) {
                double rz = rowScaleGradient(R, Z, rows[pos], c);
                if (pos % 2 == 0) {
                    ga += rz / sizeA;
                } else {
                    gb += rz / sizeB;
                }
            }
            penalty += ga * gb / numDomains;
            // ∂(g_a g_b)/∂z_i = g_other/|half| · (r_i + A_i z_i)
            addScaleGradientBackward(pass, R, Z, rows, 0, 2, weight / numDomains * gb / sizeA);
            addScaleGradientBackward(pass, R, Z, rows, 1, 2, weight / numDomains * ga / sizeB);
        }
        return penalty;
    }

    /** r_i·z_i, row i's ∂/∂s CE(s·z_i) at s = 1. */
    private static double rowScaleGradient(DMatrixRMaj R, DMatrixRMaj Z, int i, int c) {
        double rz = 0;
        for (int k = 0; k < c; k++) {
            rz += R.data[i * c + k] * Z.data[i * c + k];
        }
        return rz;
    }

    /**
     * Adds g·(r_i + A_i z_i) for rows[first], rows[first + stride], …: r_i directly on the logits, z_i through the
     * softmax Jacobian A_i (via the probabilities' gradient).
     */
    private static void addScaleGradientBackward(HeadPass pass, DMatrixRMaj R, DMatrixRMaj Z, int[] rows, int first,
                                                 int stride, double g) {
        int c = Z.numCols;
        for (int pos = first; pos < rows.length; pos += stride) {
            int i = rows[pos];
            for (int k = 0; k < c; k++) {
                pass.gradLogits().data[i * c + k] += g * R.data[i * c + k];
                pass.gradProbabilities().data[i * c + k] += g * Z.data[i * c + k];
            }
        }
    }
}
