package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep CORAL as DomainBed implements it ("mean + covariance" MMD on the features, cma-math.md §8.4). With φ the
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
public final class CoralObjective implements DomainObjective {
    /** Registry name. */
    public static final String NAME = "CORAL";
    /** Registry entry: mmd_gamma 1 ~ 10^U(−1,1). */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME, "feature mean and covariance alignment (Deep CORAL)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("mmd_gamma", 1.0, new Distribution.Log10Uniform(-1, 1), "penalty weight"))),
            (hp, seed) -> new CoralObjective(hp.getDouble("mmd_gamma")));

    private final double gamma;

    /**
     * @param gamma γ, {@code >= 0}.
     */
    public CoralObjective(double gamma) {
        Checks.nonNegativeFinite("mmd_gamma", gamma);
        this.gamma = gamma;
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
        double penalty = numDomains < 2 ? 0.0 : penalty(pass, featureGradients);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("crossEntropy", nll);
        terms.put("penalty", penalty);
        return pass.finish(nll + gamma * penalty, nll, terms, false);
    }

    private double penalty(HeadPass pass, boolean featureGradients) {
        DomainIndex index = pass.index();
        HeadBatch batch = pass.batch();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        int width = X.numCols;
        int bias = batch.biasColumn();
        int[] cols = new int[bias >= 0 ? width - 1 : width];
        for (int j = 0, t = 0; j < width; j++) {
            if (j != bias) {
                cols[t++] = j;
            }
        }
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
        if (featureGradients && gamma != 0.0) {
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
                        dX.add(i, cols[a], gamma * g);
                    }
                }
            }
        }
        return value;
    }
}
