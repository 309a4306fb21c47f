package io.github.cma4j.experiments;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.ColoredFashionMnist;
import io.github.cma4j.datasets.fashion.FashionMnist;
import io.github.cma4j.finetune.FineTuner;
import io.github.cma4j.finetune.MlpFeaturizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The IRM ColoredMNIST protocol on Fashion-MNIST (docs/results.md): 2×14×14 inputs, the MLP
 * featurizer (h = 256) and a linear head, full batch on the two training environments (+80%, +90%), Adam (lr 1e-3)
 * with L2 1e-3 (weight decay 2e-3: the script adds 1e-3·Σ‖w‖²), a fixed number of steps (501), final train and test
 * (−90%) accuracy per seed. The algorithm and its hyperparameters come from the registry.
 * <p>
 * As in the script: the head is one logit (the first class's softmax row pinned at zero, {@link
 * FineTuner#referenceClass()}); Adam keeps its moments at the anneal step; and once the method's penalty weight
 * exceeds 1 the whole loss is divided by it (for CMA by max(α, β)). The scripts' penalty forms are registry settings
 * (docs/results.md lists them: IRM {@code irm_penalty=full}; Fishr {@code ema=0} with λ in the registry's
 * per-parameter-mean units; VREx's λ×4).
 * <p>
 * The command {@code cma4j irm-protocol} (io.github.cma4j.cli) runs it; its options are the settings below.
 */
public final class IrmProtocolExperiment {
    private IrmProtocolExperiment() {
    }

    /**
     * One seed's outcome.
     *
     * @param trainAccuracy   on the training rows of the two training environments.
     * @param testAccuracy    on −90%.
     * @param heldOutAccuracy per training environment, on the held-out rows (empty without a holdout).
     * @param secondsPerStep  wall time per step.
     */
    public record Outcome(double trainAccuracy, double testAccuracy, double[] heldOutAccuracy, double secondsPerStep) {
    }

    /**
     * The protocol's settings.
     *
     * @param hidden  MLP width.
     * @param steps   full-batch Adam steps.
     * @param holdout fraction of each training environment held out (0 for none).
     * @param gray    sum the colour channels.
     * @param rescale divide the loss by the penalty weight once it exceeds 1.
     * @param divisor what to divide by then: 0 for the penalty weight itself.
     * @param oneLogit the script's one-logit head (first class pinned at 0) instead of a free softmax head.
     * @param adamReset reset Adam's moments when the objective asks (DomainBed), instead of keeping them (script).
     */
    public record Settings(int hidden, int steps, double holdout, boolean gray, boolean rescale, double divisor,
                           boolean oneLogit, boolean adamReset) {
        /** Validates. */
        public Settings {
            if (hidden < 1 || steps < 0 || !(holdout >= 0 && holdout < 1) || !(divisor == 0 || divisor >= 1)) {
                throw new IllegalArgumentException("invalid settings " + this);
            }
        }
    }

    /**
     * A parsed command line.
     *
     * @param algorithm registry name.
     * @param seeds     how many seeds.
     * @param firstSeed the first seed.
     * @param overrides the algorithm's hyperparameters.
     * @param settings  the protocol's settings.
     */
    public record Invocation(String algorithm, int seeds, int firstSeed, Map<String, String> overrides, Settings settings) {
    }

    /**
     * Runs an invocation's seeds one after the other, printing one line per seed.
     *
     * @param pool       verified Fashion-MNIST.
     * @param invocation what to run.
     * @param label      the lines' prefix.
     * @param out        where the lines go.
     * @return the outcomes, by seed.
     */
    public static List<Outcome> runSeeds(FashionMnist.Pool pool, Invocation invocation, String label, java.io.PrintWriter out) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int seed = invocation.firstSeed(); seed < invocation.firstSeed() + invocation.seeds(); seed++) {
            Outcome o = run(pool, invocation.algorithm(), invocation.overrides(), seed, invocation.settings());
            outcomes.add(o);
            out.printf(Locale.ROOT, "%s seed %d: train %.4f test %.4f heldout %s (%.3f s/step)%n", label, seed,
                    o.trainAccuracy(), o.testAccuracy(), java.util.Arrays.toString(o.heldOutAccuracy()), o.secondsPerStep());
            out.flush();
        }
        return outcomes;
    }

    /**
     * The penalty weight the IRM script divides the loss by once it exceeds 1: the largest weight of the
     * algorithm's penalties that are past their warm-up (a penalty still warming up counts as 1, as in the script).
     *
     * @param algorithm registry name.
     * @param hp        the resolved hyperparameters.
     * @param step      the step.
     * @return the weight in force at that step (1 for methods without a penalty).
     */
    static double penaltyWeight(String algorithm, io.github.cma4j.core.hparam.Hyperparameters hp, long step) {
        double weight = 1.0;
        for (PenaltySpec p : Algorithms.get(algorithm).penalties()) {
            if (step >= p.annealAt(hp)) {
                weight = Math.max(weight, p.weightAt(hp, step));
            }
        }
        return weight;
    }

    /**
     * One run.
     *
     * @param pool      verified Fashion-MNIST.
     * @param algorithm registry name.
     * @param overrides its hyperparameters.
     * @param seed      data, initialisation and algorithm seed.
     * @param settings  the protocol's settings.
     * @return train, test and held-out accuracy.
     */
    public static Outcome run(FashionMnist.Pool pool, String algorithm, Map<String, String> overrides, long seed,
                              Settings settings) {
        MultiDomainDataset data = ColoredFashionMnist.irmProtocol(pool, seed);
        java.util.List<int[]> heldOut = new ArrayList<>();
        List<Integer> trainRows = new ArrayList<>();
        java.util.SplittableRandom split = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int e = 0; e < 2; e++) {
            int[] rows = data.rowsOfDomain(e).clone();
            for (int i = rows.length - 1; i > 0; i--) {          // seeded shuffle, then the first part is held out
                int j = split.nextInt(i + 1);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
            int cut = (int) Math.round(settings.holdout() * rows.length);
            heldOut.add(java.util.Arrays.copyOf(rows, cut));
            for (int i = cut; i < rows.length; i++) {
                trainRows.add(rows[i]);
            }
        }
        int[] train = trainRows.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] test = data.rowsOfDomain(2);
        INDArray xTrain = inputs(data, train, settings.gray());
        int[] yTrain = java.util.Arrays.stream(train).map(data::label).toArray();
        int[] dTrain = java.util.Arrays.stream(train).map(data::domain).toArray();
        io.github.cma4j.core.hparam.Hyperparameters hp = Algorithms.get(algorithm).hyperparameters().resolve(overrides);
        int width = settings.gray() ? data.numFeatures() / 2 : data.numFeatures();
        FineTuner tuner = new FineTuner(new MlpFeaturizer(width, settings.hidden(), DataType.FLOAT, seed), 2,
                Algorithms.create(algorithm, overrides, seed), io.github.cma4j.core.optim.Adam.of(1e-3, 2e-3), seed);
        if (settings.oneLogit()) {
            tuner.referenceClass();
        }
        if (!settings.adamReset()) {
            tuner.ignoreOptimizerResets();
        }
        long start = System.nanoTime();
        for (int t = 0; t < settings.steps(); t++) {
            double weight = settings.rescale() ? penaltyWeight(algorithm, hp, t) : 1.0;
            double divideBy = settings.divisor() > 0 ? settings.divisor() : weight;
            tuner.step(xTrain, yTrain, dTrain, t, weight > 1 ? 1 / divideBy : 1.0);
        }
        double secondsPerStep = (System.nanoTime() - start) / 1e9 / Math.max(1, settings.steps());
        double[] heldOutAccuracy = new double[heldOut.get(0).length == 0 ? 0 : 2];
        for (int e = 0; e < heldOutAccuracy.length; e++) {
            int[] rows = heldOut.get(e);
            heldOutAccuracy[e] = accuracy(tuner.predict(inputs(data, rows, settings.gray())),
                    java.util.Arrays.stream(rows).map(data::label).toArray());
        }
        return new Outcome(accuracy(tuner.predict(xTrain), yTrain),
                accuracy(tuner.predict(inputs(data, test, settings.gray())), java.util.Arrays.stream(test).map(data::label).toArray()),
                heldOutAccuracy, secondsPerStep);
    }

    /** The rows' pixels, n × 392, or with {@code gray} the two channels summed, n × 196. */
    private static INDArray inputs(MultiDomainDataset data, int[] rows, boolean gray) {
        int d = data.numFeatures();
        int width = gray ? d / 2 : d;
        float[] values = new float[rows.length * width];
        float[] raw = data.rawFeatures();
        for (int r = 0; r < rows.length; r++) {
            if (gray) {
                for (int j = 0; j < width; j++) {
                    values[r * width + j] = raw[rows[r] * d + j] + raw[rows[r] * d + width + j];
                }
            } else {
                System.arraycopy(raw, rows[r] * d, values, r * d, d);
            }
        }
        return Nd4j.create(values, new long[]{rows.length, width}, DataType.FLOAT);
    }

    private static double accuracy(int[] predicted, int[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        return correct / (double) labels.length;
    }

    /** @return the mean train (or test) accuracy. */
    public static double mean(List<Outcome> outcomes, boolean train) {
        return outcomes.stream().mapToDouble(o -> train ? o.trainAccuracy() : o.testAccuracy()).average().orElse(Double.NaN);
    }

    /** @return the sample standard deviation of the train (or test) accuracy (0 for one seed). */
    public static double std(List<Outcome> outcomes, boolean train) {
        double m = mean(outcomes, train);
        double s = outcomes.stream().mapToDouble(o -> {
            double v = (train ? o.trainAccuracy() : o.testAccuracy()) - m;
            return v * v;
        }).sum();
        return outcomes.size() < 2 ? 0 : Math.sqrt(s / (outcomes.size() - 1));
    }
}
