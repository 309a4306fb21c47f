package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.cma.GradientAlignmentPenalty;
import io.github.cma4j.core.cma.Normalization;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.BackwardOps;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;
import org.ejml.data.DMatrixRMaj;

import java.util.List;
import java.util.Map;

import static io.github.cma4j.core.linalg.RowOps.axpy;

/**
 * Hessian-gradient product matching, HGP (docs/math.md §8.6), on the head parameters:
 * <pre>
 *   g_e = ∇_W L_e,  h_e = H_e g_e,  ḡ = (1/E) Σ_e g_e,  h̄ = H̄ ḡ,  H̄ = (1/E) Σ_e H_e
 *   L = L̄ + (1/E) Σ_e [ a_H ‖h_e − sg(h̄)‖² + a_G ‖g_e − sg(ḡ)‖² ]
 * </pre>
 * sg is stop-gradient. The reference computes h_e by double backpropagation; here it is the closed-form HVP of
 * docs/math.md §2, and the backward pass needs one more HVP per domain: with Ψ_e = (2a_H/E)(h_e − h̄), the
 * gradient of ⟨Ψ_e, H_e g_e⟩ w.r.t. g_e is H_e Ψ_e, and its dependence on p and x̃ through A_i and x̃_i x̃_iᵀ is
 * {@link BackwardOps#addBilinearCurvatureGradient}. No annealing. This class is the a_H term; the a_G term is
 * {@link io.github.cma4j.core.cma.GradientAlignmentPenalty} with c_g = 1 (the same (1/E) Σ_e ‖g_e − ḡ‖²).
 *
 * <pre>
 * M. Hemati, G. Zhang, A. Estiri, X. Chen. "Understanding Hessian Alignment for Domain Generalization", ICCV 2023.
 * </pre>
 */
public final class HgpPenalty implements Regularizer, StopGradientHolder {
    /** Registry name. */
    public static final String NAME = "HGP";
    /** Registry entry: penalty_alpha (a_H) 1e-4 ~ 10^U(−5,−3); penalty_beta (a_G) 5e-3 ~ 10^U(−3,−1); domain-mean CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "Hessian-gradient product matching (HGP)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("penalty_alpha", 1e-4, new Distribution.Log10Uniform(-5, -3), "a_H, weight of the Hessian-gradient term"),
                    Hyperparameter.real("penalty_beta", 5e-3, new Distribution.Log10Uniform(-3, -1), "a_G, weight of the gradient term"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            List.of(PenaltySpec.constant("hessPenalty", "penalty_alpha", "penalty_alpha", true, (hp, seed) -> new HgpPenalty()),
                    PenaltySpec.constant("gradPenalty", "penalty_beta", "penalty_beta", true,
                            (hp, seed) -> new GradientAlignmentPenalty(Normalization.none()))),
            Map.of("penalty_alpha", "2", "penalty_beta", "3"));

    private boolean hold;
    private DMatrixRMaj heldHMean;

    @Override
    public void holdStopGradients(boolean hold) {
        this.hold = hold;
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        DMatrixRMaj W = pass.head();
        int size = W.getNumElements();
        DMatrixRMaj[] g = new DMatrixRMaj[numDomains];
        DMatrixRMaj gMean = new DMatrixRMaj(W.numRows, W.numCols);
        for (int e = 0; e < numDomains; e++) {
            g[e] = HeadDerivatives.headGradient(X, P, pass.batch().labels(), index.rows(e), null);
            axpy(1.0 / numDomains, g[e].data, 0, gMean.data, 0, size);
        }
        DMatrixRMaj[] h = new DMatrixRMaj[numDomains];
        DMatrixRMaj hMean = new DMatrixRMaj(W.numRows, W.numCols);
        for (int e = 0; e < numDomains; e++) {
            h[e] = HeadDerivatives.hessianVectorProduct(X, P, index.rows(e), g[e], null);
            DMatrixRMaj hf = HeadDerivatives.hessianVectorProduct(X, P, index.rows(e), gMean, null);
            axpy(1.0 / numDomains, hf.data, 0, hMean.data, 0, size);
        }
        if (hold && heldHMean != null) {
            hMean = heldHMean;
        }
        heldHMean = hMean;
        double value = 0;
        DMatrixRMaj psi = new DMatrixRMaj(W.numRows, W.numCols);
        for (int e = 0; e < numDomains; e++) {
            value += scaledDeviation(h[e], hMean, 2.0 * weight / numDomains, psi) / numDomains;
            if (weight == 0.0) {
                continue;
            }
            // Ψ_e = (2a_H/E)(h_e − h̄); upstream on g_e: H_e Ψ_e
            DMatrixRMaj upstream = HeadDerivatives.hessianVectorProduct(X, P, index.rows(e), psi, null);
            BackwardOps.addHeadGradientBackward(pass, e, upstream, 1.0);
            BackwardOps.addBilinearCurvatureGradient(pass, e, psi, g[e], 1.0 / index.size(e));
        }
        return value;
    }

    /**
     * The deviation from a stop-gradient mean that HGP's and Hutchinson's Hessian terms share:
     * out = scale·(value − mean).
     *
     * @return ‖value − mean‖², unscaled.
     */
    static double scaledDeviation(DMatrixRMaj value, DMatrixRMaj mean, double scale, DMatrixRMaj out) {
        int size = value.getNumElements();
        double squared = 0;
        for (int t = 0; t < size; t++) {
            double diff = value.data[t] - mean.data[t];
            squared += diff * diff;
            out.data[t] = scale * diff;
        }
        return squared;
    }
}
