package io.github.cma4j.core.optim;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Full-batch training of a linear head (docs/math.md §13), the ISR/CMA linear-probing protocol: every step sees every
 * row. The same loop runs on one machine ({@link #onOneMachine}) and on Spark's driver (cma-spark), so the two give
 * the same model up to float64 rounding.
 * <ul>
 *     <li>{@code lbfgs}: {@link Lbfgs} on the objective with every penalty at its full weight (step
 *     {@link #FINAL_STEP}: a warm-up is a device of stochastic training, and a line search needs one fixed
 *     function). Objectives whose value changes between evaluations at the same point are refused by name.</li>
 *     <li>{@code adam}: {@code maxIterations} Adam steps, step t at warm-up step t, as minibatch training counts.</li>
 * </ul>
 */
public final class FullBatch {
    /** The step every L-BFGS evaluation is made at: every warm-up is over. */
    public static final long FINAL_STEP = Integer.MAX_VALUE;

    /** |L| beyond this is divergence, as cma-tribuo's guard has it: no cross-entropy objective gets there otherwise. */
    static final double DIVERGED = 1e15;

    private FullBatch() {
    }

    /** A full-batch objective of the head's weights, flattened row-major (C×D). */
    @FunctionalInterface
    public interface Objective {
        /**
         * @param w        the weights. Not modified.
         * @param step     the training step (warm-ups depend on it).
         * @param gradient ∂L/∂w. Overwritten.
         * @return L.
         */
        double evaluate(double[] w, long step, double[] gradient);
    }

    /**
     * @param optimizer     {@code lbfgs} or {@code adam}.
     * @param maxIterations the iteration (L-BFGS) or step (Adam) budget.
     * @param tolerance     L-BFGS's tolerance.
     * @param memory        L-BFGS's memory.
     * @param learningRate  Adam's learning rate (PyTorch's other defaults, no weight decay).
     */
    public record Settings(String optimizer, int maxIterations, double tolerance, int memory, double learningRate) {
        /**
         * Validates.
         *
         * @throws IllegalArgumentException naming the setting out of range.
         */
        public Settings {
            optimizer = optimizer.toLowerCase(Locale.ROOT);
            if (!optimizer.equals("lbfgs") && !optimizer.equals("adam")) {
                throw new IllegalArgumentException("optimizer must be lbfgs or adam, not '" + optimizer + "'");
            }
            if (optimizer.equals("lbfgs")) {
                new Lbfgs(memory, maxIterations, tolerance);
            } else {
                Adam.of(learningRate, 0.0);
                if (maxIterations < 0) {
                    throw new IllegalArgumentException("Adam needs max iterations ≥ 0, got " + maxIterations);
                }
            }
        }

        /** @return L-BFGS, 100 iterations, tolerance 1e-6, memory 10. */
        public static Settings lbfgs() {
            return new Settings("lbfgs", 100, 1e-6, 10, 1e-3);
        }
    }

    /**
     * @param optimizer   {@code lbfgs} or {@code adam}.
     * @param w           the trained weights, C×D row-major.
     * @param value       the objective at the last accepted point (Adam: at the last step, before its update).
     * @param iterations  accepted steps.
     * @param evaluations objective evaluations.
     * @param stop        {@code converged}, {@code max_iterations} or {@code line_search_failed}.
     * @param values      the objective after every step, the start included.
     */
    public record Result(String optimizer, double[] w, double value, int iterations, int evaluations, String stop,
                         double[] values) {
        /** @return why L-BFGS did not converge, for a warning; null if it converged or the run was Adam's fixed steps. */
        public String convergenceWarning() {
            return optimizer.equals("adam") || stop.equals("converged") ? null
                    : "L-BFGS stopped without converging: " + stop + " after " + iterations + " iterations";
        }
    }

    /**
     * Refuses an objective a line search cannot optimise.
     *
     * @param algorithm the registry name.
     * @param hp        its resolved hyperparameters.
     * @throws IllegalArgumentException naming the algorithm and why.
     */
    public static void checkLbfgs(String algorithm, Hyperparameters hp) {
        String name = Algorithms.get(algorithm).name();
        if (name.equals("GroupDRO")) {
            throw new IllegalArgumentException("GroupDRO updates its domain weights at every evaluation, so L-BFGS's line "
                    + "search would see a different function at each trial: use optimizer adam");
        }
        if (name.equals("Fishr") && hp.getDouble("ema") != 0.0) {
            throw new IllegalArgumentException("Fishr with ema=" + hp.getString("ema") + " changes its moving average at "
                    + "every evaluation: use ema=0 with L-BFGS, or optimizer adam");
        }
        if (name.equals("Hutchinson")) {
            throw new IllegalArgumentException("Hutchinson's penalty is a random estimate, which a line search cannot "
                    + "optimise: use CMA (the exact penalty) or optimizer adam");
        }
    }

    /**
     * Trains.
     *
     * @param objective the objective.
     * @param w0        the starting weights. Not modified.
     * @param settings  the optimiser.
     * @return the trained weights and the run's history.
     * @throws IllegalStateException naming the step where Adam's objective passed 1e15 or its gradient became non-finite.
     * @throws IllegalArgumentException if the objective is not finite at w0.
     */
    public static Result minimize(Objective objective, double[] w0, Settings settings) {
        if (settings.optimizer().equals("lbfgs")) {
            Lbfgs.Result r = new Lbfgs(settings.memory(), settings.maxIterations(), settings.tolerance())
                    .minimize((w, g) -> objective.evaluate(w, FINAL_STEP, g), w0);
            return new Result("lbfgs", r.x(), r.value(), r.iterations(), r.evaluations(), r.stop().name().toLowerCase(Locale.ROOT),
                    r.values());
        }
        Adam adam = Adam.of(settings.learningRate(), 0.0);
        int n = w0.length;
        double[] w = w0.clone();
        double[] g = new double[n];
        double[] first = new double[n];
        double[] second = new double[n];
        double[] values = new double[settings.maxIterations()];
        for (int t = 0; t < settings.maxIterations(); t++) {
            double v = objective.evaluate(w, t, g);
            if (!(Math.abs(v) <= DIVERGED) || Arrays.stream(g).anyMatch(x -> !Double.isFinite(x))) {
                throw new IllegalStateException("full-batch Adam diverged at step " + t + ": objective " + v
                        + (Math.abs(v) <= DIVERGED ? " with a non-finite gradient" : ""));
            }
            values[t] = v;
            adam.update(w, g, first, second, 0, n, t + 1, 1.0);
        }
        int steps = settings.maxIterations();
        return new Result("adam", w, steps == 0 ? Double.NaN : values[steps - 1], steps, steps, "max_iterations", values);
    }

    /**
     * Trains a registered algorithm's head from zero on rows held in memory.
     *
     * @param algorithm registry name.
     * @param overrides hyperparameters. Not modified.
     * @param batch     every training row (with its bias column, if any).
     * @param settings  the optimiser.
     * @return the trained head and the run's history.
     * @throws IllegalArgumentException naming an unknown algorithm, a bad hyperparameter or an objective L-BFGS refuses.
     */
    public static Result train(String algorithm, Map<String, String> overrides, HeadBatch batch, Settings settings) {
        if (settings.optimizer().equals("lbfgs")) {
            checkLbfgs(algorithm, Algorithms.get(algorithm).hyperparameters().resolve(overrides));
        }
        return minimize(onOneMachine(algorithm, overrides, batch), new double[batch.numClasses() * batch.numFeatures()], settings);
    }

    /**
     * The objective of a registered algorithm on rows held in memory.
     *
     * @param algorithm registry name.
     * @param overrides hyperparameters. Not modified.
     * @param batch     every training row (with its bias column, if any).
     * @return the objective; it keeps the algorithm's state (GroupDRO's weights), so use it for one run.
     */
    public static Objective onOneMachine(String algorithm, Map<String, String> overrides, HeadBatch batch) {
        DomainObjective objective = Algorithms.create(algorithm, overrides, 0L);
        int c = batch.numClasses();
        int d = batch.numFeatures();
        return (w, step, gradient) -> {
            ObjectiveResult r = objective.evaluate(batch, DMatrixRMaj.wrap(c, d, w.clone()), step, false);
            System.arraycopy(r.gradW().data, 0, gradient, 0, gradient.length);
            return r.value();
        };
    }
}
