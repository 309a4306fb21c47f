package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
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
 * Deep CORAL as DomainBed implements it ("mean + covariance" MMD on the features, docs/math.md §8.4). With φ the
 * features without the bias column (d of them), μ_e the domain mean and Σ_e the unbiased covariance:
 * <pre>
 *   pair(e,f) = (1/d) ‖μ_e − μ_f‖² + (1/d²) ‖Σ_e − Σ_f‖_F²
 *   L = (1/E) Σ_e L_e + γ · mean over the E(E−1)/2 pairs of pair(e,f)
 * </pre>
 * Backward (features only; the penalty does not involve W): for x_i in domain e,
 * ∂pair/∂x_i = (2/d)(μ_e − μ_f)/n_e + (2/(n_e−1))·(2/d²)(Σ_e − Σ_f)(x_i − μ_e). On frozen features the penalty has
 * zero gradient w.r.t. the head, so linear-probing CORAL trains exactly like ERM with domain-mean cross-entropy.
 * Every domain present needs at least two rows (the covariance divides by n_e − 1).
 *
 * <pre>
 * B. Sun, K. Saenko. "Deep CORAL: Correlation Alignment for Deep Domain Adaptation", ECCV Workshops 2016.
 * </pre>
 */
public final class CoralPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "CORAL";
    /** Registry entry: mmd_gamma 1 ~ 10^U(−1,1); domain-mean CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "feature mean and covariance alignment (Deep CORAL)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("mmd_gamma", 1.0, new Distribution.Log10Uniform(-1, 1), "penalty weight"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            List.of(PenaltySpec.constant("penalty", "weight", "mmd_gamma", true, (hp, seed) -> new CoralPenalty())),
            Map.of("mmd_gamma", "2"));

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        if (pass.index().numDomains() < 2) {
            return 0.0;
        }
        DomainIndex index = pass.index();
        HeadBatch batch = pass.batch();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        int[] cols = batch.featureColumns();
        int d = cols.length;
        double[][] mean = new double[numDomains][d];
        double[][] cov = new double[numDomains][d * d];
        double[][] centred = new double[X.numRows][];
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            if (rows.length < 2) {
                throw new IllegalArgumentException("CORAL needs at least 2 rows per domain in a batch; domain id "
                        + index.domainId(e) + " has " + rows.length);
            }
            for (int i : rows) {
                for (int t = 0; t < d; t++) {
                    mean[e][t] += X.get(i, cols[t]) / rows.length;
                }
            }
            for (int i : rows) {
                double[] c = new double[d];
                for (int t = 0; t < d; t++) {
                    c[t] = X.get(i, cols[t]) - mean[e][t];
                }
                centred[i] = c;
                for (int a = 0; a < d; a++) {
                    double s = c[a] / (rows.length - 1);
                    for (int b = 0; b < d; b++) {
                        cov[e][a * d + b] += s * c[b];
                    }
                }
            }
        }
        double numPairs = numDomains * (numDomains - 1) / 2.0;
        double value = 0;
        double[][] gradMean = new double[numDomains][d];
        double[][] gradCov = new double[numDomains][d * d];
        for (int e = 0; e < numDomains; e++) {
            for (int f = e + 1; f < numDomains; f++) {
                for (int t = 0; t < d; t++) {
                    double diff = mean[e][t] - mean[f][t];
                    value += diff * diff / d / numPairs;
                    gradMean[e][t] += 2 * diff / d / numPairs;
                    gradMean[f][t] -= 2 * diff / d / numPairs;
                }
                for (int t = 0; t < d * d; t++) {
                    double diff = cov[e][t] - cov[f][t];
                    value += diff * diff / ((double) d * d) / numPairs;
                    gradCov[e][t] += 2 * diff / ((double) d * d) / numPairs;
                    gradCov[f][t] -= 2 * diff / ((double) d * d) / numPairs;
                }
            }
        }
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        if (dX != null && weight != 0.0) {
            for (int e = 0; e < numDomains; e++) {
                int[] rows = index.rows(e);
                for (int i : rows) {
                    double[] c = centred[i];
                    for (int a = 0; a < d; a++) {
                        double g = gradMean[e][a] / rows.length;
                        double gc = 0;
                        for (int b = 0; b < d; b++) {
                            gc += gradCov[e][a * d + b] * c[b];
                        }
                        g += 2.0 / (rows.length - 1) * gc;
                        dX.add(i, cols[a], weight * g);
                    }
                }
            }
        }
        return value;
    }
}
