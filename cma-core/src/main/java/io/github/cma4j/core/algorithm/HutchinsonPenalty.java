package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.cma.GradientAlignmentPenalty;
import io.github.cma4j.core.cma.Normalization;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.SeedHash;
import io.github.cma4j.core.Checks;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.BackwardOps;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.core.objective.Regularizer;
import org.ejml.data.DMatrixRMaj;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;


/**
 * Hutchinson Hessian-diagonal matching (docs/math.md §8.7), the stochastic baseline CMA's closed forms replace:
 * <pre>
 *   D_e = (1/S) Σ_s z_s ∘ (H_e z_s),  z_s Rademacher (±1, C×D);   D̄ likewise for H̄ with independent probes
 *   L = L̄ + (1/E) Σ_e [ a_H ‖D_e − sg(D̄)‖² + a_G ‖g_e − sg(ḡ)‖² ]
 * </pre>
 * E[D_e] is exactly diag(H_e). H_e z_s is the closed-form HVP; the backward pass of ⟨Ψ_e, z∘H_e z⟩ =
 * ⟨Ψ_e∘z, H_e z⟩ (probes constant) is {@link BackwardOps#addBilinearCurvatureGradient}. The probes are drawn from
 * a generator seeded by (seed, step, domain), so a step evaluated twice sees the same probes (which is what
 * finite-difference checks need) and a run is reproducible. This class is the a_H term; the a_G term is
 * {@link io.github.cma4j.core.cma.GradientAlignmentPenalty} with c_g = 1. Its cost is in docs/performance.md.
 *
 * <pre>
 * M. Hemati, G. Zhang, A. Estiri, X. Chen. "Understanding Hessian Alignment for Domain Generalization", ICCV 2023.
 * </pre>
 */
public final class HutchinsonPenalty implements Regularizer, StopGradientHolder {
    /** Registry name. */
    public static final String NAME = "Hutchinson";
    /**
     * Registry entry: penalty_alpha 1e-3 ~ 10^U(1,4); penalty_beta 5e-3 ~ 10^U(2,6) (defaults outside the ranges, as
     * in both sources); num_probes 300; domain-mean CE.
     */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "Hutchinson Hessian-diagonal matching (stochastic)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("penalty_alpha", 1e-3, new Distribution.Log10Uniform(1, 4), "a_H, weight of the Hessian-diagonal term"),
                    Hyperparameter.real("penalty_beta", 5e-3, new Distribution.Log10Uniform(2, 6), "a_G, weight of the gradient term"),
                    Hyperparameter.integer("num_probes", 300, new Distribution.Fixed(), "Rademacher probes per estimate"))),
            hp -> CrossEntropyMode.DOMAIN_MEAN,
            // the Hessian term is not exactly 0 for identical domains: D_e and D̄ use independent probes
            List.of(PenaltySpec.constant("hessPenalty", "penalty_alpha", "penalty_alpha", false,
                            (hp, seed) -> new HutchinsonPenalty((int) hp.getLong("num_probes"), seed)),
                    PenaltySpec.constant("gradPenalty", "penalty_beta", "penalty_beta", true,
                            (hp, seed) -> new GradientAlignmentPenalty(Normalization.none()))),
            Map.of("penalty_alpha", "2", "penalty_beta", "3", "num_probes", "7"));

    private final int numProbes;
    private final long seed;
    private boolean hold;
    private DMatrixRMaj heldDiagMean;

    /**
     * @param numProbes S, {@code >= 1}.
     * @param seed      seed of the probes.
     */
    public HutchinsonPenalty(int numProbes, long seed) {
        Checks.positive("num_probes", numProbes);
        this.numProbes = numProbes;
        this.seed = seed;
    }

    @Override
    public void holdStopGradients(boolean hold) {
        this.hold = hold;
    }

    /** Probe generator for one domain slot (or −1 for the mean) at one step. */
    private SplittableRandom probes(long step, int slot) {
        return new SplittableRandom(SeedHash.of(seed, step, slot));
    }

    private static void rademacher(SplittableRandom rng, DMatrixRMaj z) {
        for (int t = 0; t < z.getNumElements(); t++) {
            z.data[t] = rng.nextBoolean() ? 1.0 : -1.0;
        }
    }

    /**
     * Hutchinson's estimate of diag(H_e): (1/S) Σ_s z_s ∘ H_e[z_s] with Rademacher z_s, via the closed-form HVP.
     * Its expectation is exactly {@link HeadDerivatives#hessianDiagonal}.
     *
     * @param X         features, n×D. Not modified.
     * @param P         probabilities, n×C. Not modified.
     * @param rows      the domain's rows. Not modified.
     * @param numProbes S.
     * @param rng       the probes' generator. Modified (advanced).
     * @return the estimate, C×D.
     */
    public static DMatrixRMaj estimateDiagonal(DMatrixRMaj X, DMatrixRMaj P, int[] rows, int numProbes, SplittableRandom rng) {
        DMatrixRMaj z = new DMatrixRMaj(P.numCols, X.numCols);
        DMatrixRMaj hz = new DMatrixRMaj(P.numCols, X.numCols);
        DMatrixRMaj out = new DMatrixRMaj(P.numCols, X.numCols);
        int size = out.getNumElements();
        for (int s = 0; s < numProbes; s++) {
            rademacher(rng, z);
            HeadDerivatives.hessianVectorProduct(X, P, rows, z, hz);
            for (int t = 0; t < size; t++) {
                out.data[t] += z.data[t] * hz.data[t] / numProbes;
            }
        }
        return out;
    }

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        DMatrixRMaj W = pass.head();
        int size = W.getNumElements();
        DMatrixRMaj z = new DMatrixRMaj(W.numRows, W.numCols);
        DMatrixRMaj hz = new DMatrixRMaj(W.numRows, W.numCols);
        // D_e for each domain, and D̄ from independent probes through H̄ = mean_f H_f
        DMatrixRMaj[] diag = new DMatrixRMaj[numDomains];
        for (int e = 0; e < numDomains; e++) {
            diag[e] = estimateDiagonal(X, P, index.rows(e), numProbes, probes(step, e));
        }
        DMatrixRMaj diagMean = new DMatrixRMaj(W.numRows, W.numCols);
        SplittableRandom meanRng = probes(step, -1);
        for (int s = 0; s < numProbes; s++) {
            rademacher(meanRng, z);
            for (int f = 0; f < numDomains; f++) {
                HeadDerivatives.hessianVectorProduct(X, P, index.rows(f), z, hz);
                for (int t = 0; t < size; t++) {
                    diagMean.data[t] += z.data[t] * hz.data[t] / (numProbes * (double) numDomains);
                }
            }
        }
        if (hold && heldDiagMean != null) {
            diagMean = heldDiagMean;
        }
        heldDiagMean = diagMean;
        double value = 0;
        DMatrixRMaj psi = new DMatrixRMaj(W.numRows, W.numCols);
        DMatrixRMaj psiZ = new DMatrixRMaj(W.numRows, W.numCols);
        for (int e = 0; e < numDomains; e++) {
            value += HgpPenalty.scaledDeviation(diag[e], diagMean, 2.0 * weight / numDomains, psi) / numDomains;
            if (weight == 0.0) {
                continue;
            }
            SplittableRandom rng = probes(step, e);   // the same probes as the forward estimate
            double scale = 1.0 / ((double) numProbes * index.size(e));
            for (int s = 0; s < numProbes; s++) {
                rademacher(rng, z);
                for (int t = 0; t < size; t++) {
                    psiZ.data[t] = psi.data[t] * z.data[t];
                }
                BackwardOps.addBilinearCurvatureGradient(pass, e, psiZ, z, scale);
            }
        }
        return value;
    }
}
