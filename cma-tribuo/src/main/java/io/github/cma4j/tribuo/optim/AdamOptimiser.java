package io.github.cma4j.tribuo.optim;

import io.github.cma4j.core.optim.Adam;
import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.Tensor;

/**
 * cma4j's Adam ({@link Adam}, docs/math.md §10) as a Tribuo {@code StochasticGradientOptimiser}, because Tribuo
 * 4.3.2's {@code org.tribuo.math.optimisers.Adam} multiplies the update by √v̂ + ε where it should divide (fixed on
 * Tribuo's main branch after 4.3.2, in no release), which makes its steps 10⁻⁴–10⁻⁸ instead of ≈ lr. The settings
 * are {@code @Config} fields for provenance and validated as {@link Adam}; the rule is {@link Adam}'s on Tribuo's
 * tensors, in Tribuo's convention: the gradient is the <em>ascent</em> direction (−∇loss) and the returned tensors
 * are added to the parameters. {@link #reset()} clears the moments and the step count (DomainBed resets Adam when a penalty
 * is annealed in); the trainer then calls {@link #initialise} again.
 *
 * <pre>
 * D. P. Kingma, J. Ba. "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * </pre>
 */
public final class AdamOptimiser implements StochasticGradientOptimiser {
    @Config(description = "Learning rate")
    private double learningRate = 1e-3;
    @Config(description = "Exponential decay of the first moment")
    private double betaOne = 0.9;
    @Config(description = "Exponential decay of the second moment")
    private double betaTwo = 0.999;
    @Config(description = "Added to the square root of the second moment")
    private double epsilon = 1e-8;
    @Config(description = "L2 weight decay added to the gradient (PyTorch Adam semantics)")
    private double weightDecay = 0.0;

    private Adam settings;
    private int iterations;
    private Tensor[] firstMoment;
    private Tensor[] secondMoment;
    private Parameters parameters;

    /**
     * @param learningRate lr > 0.
     * @param betaOne      β₁ in [0, 1).
     * @param betaTwo      β₂ in [0, 1).
     * @param epsilon      ε > 0.
     * @param weightDecay  λ ≥ 0.
     */
    public AdamOptimiser(double learningRate, double betaOne, double betaTwo, double epsilon, double weightDecay) {
        this.learningRate = learningRate;
        this.betaOne = betaOne;
        this.betaTwo = betaTwo;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        postConfig();
    }

    /**
     * @param learningRate lr; β₁ = 0.9, β₂ = 0.999, ε = 1e-8, no weight decay.
     */
    public AdamOptimiser(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8, 0.0);
    }

    /** For OLCUT. */
    private AdamOptimiser() {
    }

    @Override
    public void postConfig() {
        settings = new Adam(learningRate, betaOne, betaTwo, epsilon, weightDecay);
    }

    @Override
    public void initialise(Parameters parameters) {
        this.parameters = parameters;
        this.firstMoment = parameters.getEmptyCopy();
        this.secondMoment = parameters.getEmptyCopy();
        this.iterations = 0;
    }

    @Override
    public Tensor[] step(Tensor[] updates, double weight) {
        if (firstMoment == null) {
            throw new IllegalStateException("Adam.step called before initialise (or after reset without initialise)");
        }
        iterations++;
        double correctionOne = settings.firstCorrection(iterations);
        double correctionTwo = settings.secondCorrection(iterations);
        Tensor[] current = weightDecay != 0.0 ? parameters.get() : null;
        Tensor[] out = new Tensor[updates.length];
        for (int i = 0; i < updates.length; i++) {
            Tensor g = updates[i].copy();
            g.scaleInPlace(weight);
            if (current != null) {
                g.intersectAndAddInPlace(current[i], x -> -weightDecay * x);
            }
            firstMoment[i].scaleInPlace(betaOne);
            firstMoment[i].intersectAndAddInPlace(g, x -> (1.0 - betaOne) * x);
            secondMoment[i].scaleInPlace(betaTwo);
            secondMoment[i].intersectAndAddInPlace(g, x -> (1.0 - betaTwo) * x * x);
            Tensor step = firstMoment[i].copy();
            step.scaleInPlace(learningRate / correctionOne);
            step.hadamardProductInPlace(secondMoment[i], v -> 1.0 / (Math.sqrt(v / correctionTwo) + epsilon));
            out[i] = step;
        }
        return out;
    }

    @Override
    public void reset() {
        firstMoment = null;
        secondMoment = null;
        iterations = 0;
    }

    @Override
    public AdamOptimiser copy() {
        return new AdamOptimiser(learningRate, betaOne, betaTwo, epsilon, weightDecay);
    }

    /** @return the number of steps since the last initialise. */
    public int iterations() {
        return iterations;
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    @Override
    public String toString() {
        return "AdamOptimiser(lr=" + learningRate + ", betaOne=" + betaOne + ", betaTwo=" + betaTwo + ", epsilon="
                + epsilon + ", weightDecay=" + weightDecay + ")";
    }
}
