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
import java.util.TreeMap;

/**
 * Fishr: aligns the per-domain variances of the per-sample head gradients (docs/math.md §8.5).
 * <pre>
 *   g_i = (p_i − y_i) x̃_iᵀ                                     (closed form; no per-sample autodiff)
 *   v_e = (1/n_e) Σ_{i∈e} (g_i − ḡ_e)²                         (element-wise, population variance)
 *   m_e ← ema·m_e + (1 − ema)·v_e  (m_e = 0 before the first update, stored detached),  ṽ_e = m_e / (1 − ema)
 *   penalty = (1/E) Σ_e mean_over_CD_params (ṽ_e − (1/E) Σ_f ṽ_f)²
 *   L = CE(pooled) + λ_t · penalty,   λ_t = lambda if t ≥ T else lambda_before_anneal (DomainBed: 0)
 * </pre>
 * The fishr repository's ColoredMNIST script differs from DomainBed in three constants, all expressible here: no
 * EMA ({@code ema = 0}), a penalty summed over the E domains and the head's parameters instead of averaged (its
 * λ_script = our λ / (E·P), P = the number of distinct head parameters: D + 1 for its one-logit head, whose two
 * softmax rows here carry the same variances) and weight 1 before the anneal ({@code lambda_before_anneal =
 * E·P}).
 * Gradients flow only through the current v_e (∂ṽ_e/∂v_e = 1). With Δ_e = ∂penalty/∂ṽ_e = (2/(E·C·D))(ṽ_e − ṽ̄):
 * ∂/∂r_ik = (2/n_e) Σ_j Δ_e[k,j](r_ik x̃_ij − ḡ_kj) x̃_ij and ∂/∂x̃_ij (direct) = (2/n_e) Σ_k Δ_e[k,j](r_ik x̃_ij − ḡ_kj) r_ik.
 * The EMA is updated at every call (also before the anneal, as DomainBed does) and keyed by domain id; the
 * optimiser is reset at t == T > 0.
 *
 * <pre>
 * A. Rame, C. Dancette, M. Cord. "Fishr: Invariant Gradient Variances for Out-of-Distribution Generalization", ICML 2022.
 * </pre>
 */
public final class FishrPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "Fishr";
    /** Registry entry: lambda 1000 ~ 10^U(1,4); penalty_anneal_iters 1500 ~ int(U(0,5000)); ema 0.95 ~ U(0.90,0.99); pooled CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "invariant per-sample gradient variances (Fishr)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("lambda", 1000, new Distribution.Log10Uniform(1, 4), "penalty weight after the anneal"),
                    Hyperparameter.integer("penalty_anneal_iters", 1500, new Distribution.IntUniform(0, 5000), "steps with weight lambda_before_anneal (0)"),
                    Hyperparameter.real("ema", 0.95, new Distribution.Uniform(0.90, 0.99), "EMA decay of the variances"),
                    Hyperparameter.real("lambda_before_anneal", 0, new Distribution.Fixed(),
                            "penalty weight before the anneal (DomainBed 0; the fishr ColoredMNIST script's 1, in its units)"))),
            hp -> CrossEntropyMode.POOLED,
            List.of(PenaltySpec.annealed("penalty", "weight", "lambda", "penalty_anneal_iters",
                    hp -> hp.getDouble("lambda_before_anneal"), true, (hp, seed) -> new FishrPenalty(hp.getDouble("ema")))),
            Map.of("lambda", "50", "penalty_anneal_iters", "0", "ema", "0.9"));

    private final double ema;
    private TreeMap<Integer, double[]> movingAverage = new TreeMap<>();

    /**
     * @param ema EMA decay in [0, 1).
     */
    public FishrPenalty(double ema) {
        if (!(ema >= 0 && ema < 1)) {
            throw new IllegalArgumentException("ema must be in [0, 1), got " + ema);
        }
        this.ema = ema;
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj R = pass.residuals();
        int c = R.numCols;
        int d = X.numCols;
        int size = c * d;
        double[][] meanGrad = new double[numDomains][size];
        double[][] smoothed = new double[numDomains][];
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            double[] mg = meanGrad[e];
            double[] var = new double[size];
            for (int i : rows) {
                for (int k = 0; k < c; k++) {
                    double r = R.data[i * c + k] / rows.length;
                    for (int j = 0; j < d; j++) {
                        mg[k * d + j] += r * X.data[i * d + j];
                    }
                }
            }
            for (int i : rows) {
                for (int k = 0; k < c; k++) {
                    double r = R.data[i * c + k];
                    for (int j = 0; j < d; j++) {
                        double dev = r * X.data[i * d + j] - mg[k * d + j];
                        var[k * d + j] += dev * dev / rows.length;
                    }
                }
            }
            double[] previous = movingAverage.get(index.domainId(e));
            if (previous != null && previous.length != size) {
                throw new IllegalArgumentException("Fishr state for domain id " + index.domainId(e) + " has " + previous.length
                        + " head parameters but the batch has " + size + "; call resetState() between different heads");
            }
            double[] updated = new double[size];
            smoothed[e] = new double[size];
            for (int t = 0; t < size; t++) {
                updated[t] = (previous == null ? 0.0 : ema * previous[t]) + (1 - ema) * var[t];
                smoothed[e][t] = updated[t] / (1 - ema);
            }
            movingAverage.put(index.domainId(e), updated);
        }
        double penalty = 0;
        double[] mean = new double[size];
        for (double[] s : smoothed) {
            for (int t = 0; t < size; t++) {
                mean[t] += s[t] / numDomains;
            }
        }
        for (double[] s : smoothed) {
            for (int t = 0; t < size; t++) {
                double diff = s[t] - mean[t];
                penalty += diff * diff / size / numDomains;
            }
        }
        if (weight != 0.0 && numDomains > 1) {
            DMatrixRMaj dP = pass.gradProbabilities();
            DMatrixRMaj dX = pass.gradFeaturesDirect();
            for (int e = 0; e < numDomains; e++) {
                int[] rows = index.rows(e);
                double[] delta = new double[size];
                for (int t = 0; t < size; t++) {
                    delta[t] = weight * 2.0 / ((double) numDomains * size) * (smoothed[e][t] - mean[t]) * 2.0 / rows.length;
                }
                double[] mg = meanGrad[e];
                for (int i : rows) {
                    for (int k = 0; k < c; k++) {
                        double r = R.data[i * c + k];
                        double gr = 0;
                        for (int j = 0; j < d; j++) {
                            double x = X.data[i * d + j];
                            double g = delta[k * d + j] * (r * x - mg[k * d + j]);
                            gr += g * x;
                            if (dX != null) {
                                dX.data[i * d + j] += g * r;
                            }
                        }
                        dP.data[i * c + k] += gr;
                    }
                }
            }
        }
        return penalty;
    }

    @Override
    public void resetState() {
        movingAverage = new TreeMap<>();
    }

    @Override
    public Object saveState() {
        TreeMap<Integer, double[]> copy = new TreeMap<>();
        movingAverage.forEach((id, m) -> copy.put(id, m.clone()));
        return copy;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(Object state) {
        if (!(state instanceof TreeMap<?, ?> map)) {
            throw new IllegalArgumentException("not a Fishr state: " + state);
        }
        movingAverage = new TreeMap<>();
        ((TreeMap<Integer, double[]>) map).forEach((id, m) -> movingAverage.put(id, m.clone()));
    }
}
