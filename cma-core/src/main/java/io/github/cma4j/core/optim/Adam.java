package io.github.cma4j.core.optim;

/**
 * Adam's settings and update rule (docs/math.md §10), the one Adam of cma4j: the Tribuo optimiser
 * ({@code io.github.cma4j.tribuo.optim.AdamOptimiser}) and the fine-tuner ({@code io.github.cma4j.finetune.FineTuner})
 * take their settings from here and apply this rule to their own array types.
 * <pre>
 *   g ← s·(∇ + λ·θ)                         (L2 weight decay as PyTorch's Adam(weight_decay=λ); s a loss scale)
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
 *   θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 *
 * <pre>
 * D. P. Kingma, J. Ba. "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * </pre>
 *
 * @param learningRate lr &gt; 0.
 * @param betaOne      β₁ in [0, 1).
 * @param betaTwo      β₂ in [0, 1).
 * @param epsilon      ε &gt; 0.
 * @param weightDecay  λ ≥ 0.
 */
public record Adam(double learningRate, double betaOne, double betaTwo, double epsilon, double weightDecay) {

    /**
     * Validates.
     *
     * @throws IllegalArgumentException naming every setting and its value if one is out of range.
     */
    public Adam {
        if (!(learningRate > 0) || Double.isInfinite(learningRate) || !(betaOne >= 0 && betaOne < 1)
                || !(betaTwo >= 0 && betaTwo < 1) || !(epsilon > 0) || !(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Adam needs 0 < lr < ∞, β₁ and β₂ in [0, 1), ε > 0 and 0 ≤ weight decay < ∞; got lr="
                    + learningRate + " β₁=" + betaOne + " β₂=" + betaTwo + " ε=" + epsilon + " weight decay=" + weightDecay);
        }
    }

    /**
     * PyTorch's defaults with this learning rate and weight decay: β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
     *
     * @param learningRate lr.
     * @param weightDecay  λ.
     * @return the settings.
     */
    public static Adam of(double learningRate, double weightDecay) {
        return new Adam(learningRate, 0.9, 0.999, 1e-8, weightDecay);
    }

    /** @return 1 − β₁ᵗ, the first moment's bias correction at step t (1-based). */
    public double firstCorrection(int t) {
        return 1 - Math.pow(betaOne, t);
    }

    /** @return 1 − β₂ᵗ, the second moment's bias correction at step t (1-based). */
    public double secondCorrection(int t) {
        return 1 - Math.pow(betaTwo, t);
    }

    /**
     * One Adam step on a block of parameters held in arrays.
     *
     * @param params    θ. Modified.
     * @param grads     ∇, the gradient of the loss (descent convention). Not modified.
     * @param first     m. Modified.
     * @param second    v. Modified.
     * @param from      the first index to update (the rest of [from, to) as well).
     * @param to        one past the last index.
     * @param t         the step, 1-based since the last reset.
     * @param lossScale s, a positive factor on the gradient, weight decay included.
     */
    public void update(double[] params, double[] grads, double[] first, double[] second, int from, int to, int t,
                       double lossScale) {
        double c1 = firstCorrection(t);
        double c2 = secondCorrection(t);
        for (int i = from; i < to; i++) {
            double g = lossScale * (grads[i] + weightDecay * params[i]);
            first[i] = betaOne * first[i] + (1 - betaOne) * g;
            second[i] = betaTwo * second[i] + (1 - betaTwo) * g * g;
            params[i] -= learningRate * (first[i] / c1) / (Math.sqrt(second[i] / c2) + epsilon);
        }
    }
}
