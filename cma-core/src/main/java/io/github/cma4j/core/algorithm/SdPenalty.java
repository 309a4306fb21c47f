package io.github.cma4j.core.algorithm;

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
 * Spectral decoupling, SD (docs/math.md §8.10), as DomainBed implements it: the mean squared logit,
 * <pre>
 *   R = (1/(n·C)) Σ_i Σ_k z_ik²,    L = CE(pooled) + sd_reg · R,    ∂R/∂z_ik = 2 z_ik / (n·C)
 * </pre>
 * It pulls every logit towards 0, so that the dominant (often spurious) feature cannot saturate the loss alone.
 * Not an alignment penalty: it does not compare domains.
 *
 * <pre>
 * M. Pezeshki et al. "Gradient Starvation: A Learning Proclivity in Neural Networks", NeurIPS 2021.
 * </pre>
 */
public final class SdPenalty implements Regularizer {
    /** Registry name. */
    public static final String NAME = "SD";
    /** Registry entry: sd_reg 0.1 ~ 10^U(−5,−1); pooled CE. */
    public static final AlgorithmSpec SPEC = AlgorithmSpec.penalized(NAME, "spectral decoupling (squared-logit penalty)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("sd_reg", 0.1, new Distribution.Log10Uniform(-5, -1), "weight of the mean squared logit"))),
            hp -> CrossEntropyMode.POOLED,
            List.of(PenaltySpec.constant("penalty", "weight", "sd_reg", false, (hp, seed) -> new SdPenalty())),
            Map.of("sd_reg", "0.7"));

    @Override
    public double addTo(HeadPass pass, long step, double weight) {
        DMatrixRMaj Z = pass.logits();
        DMatrixRMaj dZ = pass.gradLogits();
        int size = Z.getNumElements();
        double sum = 0;
        for (int t = 0; t < size; t++) {
            sum += Z.data[t] * Z.data[t];
            dZ.data[t] += weight * 2.0 * Z.data[t] / size;
        }
        return sum / size;
    }
}
