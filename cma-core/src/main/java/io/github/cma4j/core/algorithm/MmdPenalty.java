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
 * MMD with DomainBed's Gaussian kernel (docs/math.md §8.9) on the features φ (X̃ without its bias column):
 * <pre>
 *   k(a, b) = Σ_{γ ∈ Γ} exp(−γ ‖a − b‖²),   Γ = {1e-3, 1e-2, 1e-1, 1, 10, 100, 1000}
 *   mmd(e, f) = mean_{i,i'∈e} k + mean_{j,j'∈f} k − 2 mean_{i∈e, j∈f} k
 *   R = mean over the E(E−1)/2 pairs e &lt; f of mmd(e, f),    L = (1/E) Σ_e L_e + mmd_gamma · R
 * </pre>
 * Written as R = Σ_{i,j} c_ij k_ij with c_ij = (E−1)/(q n_e²) within domain e and −1/(q n_e n_f) across domains
 * (q = E(E−1)/2), its gradient is ∂R/∂φ_i = −4 Σ_j c_ij Σ_γ γ e^{−γ‖φ_i−φ_j‖²} (φ_i − φ_j). Distances are computed
 * as differences, never negative, so DomainBed's clamp at 1e-30 changes nothing. Cost O(n²·d); the head gets no
 * gradient (on frozen features MMD trains like ERM with domain-mean cross-entropy).
 *
 * <pre>
 * H. Li, S. J. Pan, S. Wang, A. C. Kot. "Domain Generalization with Adversarial Feature Learning", CVPR 2018.
 * </pre>
 */
public final class MmdPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "MMD";
    /** Registry entry: mmd_gamma 1 ~ 10^U(−1,1); domain-mean CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "maximum mean discrepancy of the features, Gaussian kernels",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("mmd_gamma", 1.0, new Distribution.Log10Uniform(-1, 1), "penalty weight"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            List.of(PenaltySpec.constant("penalty", "weight", "mmd_gamma", true, (hp, seed) -> new MmdPenalty())),
            Map.of("mmd_gamma", "2"));

    private static final double[] BANDWIDTHS = {1e-3, 1e-2, 1e-1, 1, 10, 100, 1000};

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        if (numDomains < 2) {
            return 0.0;
        }
        DMatrixRMaj X = pass.features();
        DMatrixRMaj dX = weight != 0.0 ? pass.gradFeaturesDirect() : null;
        int[] cols = pass.batch().featureColumns();
        int width = X.numCols;
        double pairs = numDomains * (numDomains - 1) / 2.0;
        double value = 0;
        double[] diff = new double[cols.length];
        for (int e = 0; e < numDomains; e++) {
            for (int f = 0; f < numDomains; f++) {
                double c = e == f
                        ? (numDomains - 1) / (pairs * index.size(e) * index.size(e))
                        : -1.0 / (pairs * index.size(e) * index.size(f));
                for (int i : index.rows(e)) {
                    for (int j : index.rows(f)) {
                        value += c * addKernelGradient(X.data, i * width, j * width, cols, diff, dX == null || i == j
                                ? null : dX.data, -4.0 * weight * c);
                    }
                }
            }
        }
        return value;
    }

    /**
     * k(φ_i, φ_j), adding scale·Σ_γ γ e^{−γ d}(φ_i − φ_j) into row i of {@code grad} when it is not null.
     */
    private static double addKernelGradient(double[] x, int rowI, int rowJ, int[] cols, double[] diff, double[] grad,
                                            double scale) {
        double dist = 0;
        for (int t = 0; t < cols.length; t++) {
            diff[t] = x[rowI + cols[t]] - x[rowJ + cols[t]];
            dist += diff[t] * diff[t];
        }
        double k = 0;
        double slope = 0;
        for (double gamma : BANDWIDTHS) {
            double e = Math.exp(-gamma * dist);
            k += e;
            slope += gamma * e;
        }
        if (grad != null) {
            for (int t = 0; t < cols.length; t++) {
                grad[rowI + cols[t]] += scale * slope * diff[t];
            }
        }
        return k;
    }
}
