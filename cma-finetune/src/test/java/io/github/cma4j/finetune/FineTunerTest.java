package io.github.cma4j.finetune;

import io.github.cma4j.core.algorithm.Algorithms;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("nd4j")
class FineTunerTest {
    private static final int N = 40;
    private final int[] labels = new int[N];
    private final int[] domains = new int[N];

    /** Two domains; the label is the sign of the first input coordinate (learnable). */
    private INDArray toy(long seed) {
        Random rng = new Random(seed);
        double[] xs = new double[N * 6];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < 6; j++) {
                xs[i * 6 + j] = rng.nextGaussian();
            }
            labels[i] = xs[i * 6] > 0 ? 1 : 0;
            domains[i] = i % 2;
        }
        return Nd4j.create(xs, new long[]{N, 6}, DataType.DOUBLE);
    }

    /** First Adam step: m̂ = g, v̂ = g², so every parameter moves by −lr·g/(|g| + ε). */
    @Test
    void firstStepIsAdamsFormula() {
        INDArray x = toy(1);
        var objective = Algorithms.create("ERM", Map.of(), 0);
        FineTuner tuner = new FineTuner(new MlpFeaturizer(6, 5, DataType.DOUBLE, 3), 2, objective, io.github.cma4j.core.optim.Adam.of(0.01, 0), 4);
        FineTuner reference = new FineTuner(new MlpFeaturizer(6, 5, DataType.DOUBLE, 3), 2, objective, io.github.cma4j.core.optim.Adam.of(0.01, 0), 4);
        DMatrixRMaj headBefore = reference.head().copy();
        HybridStep.Gradients g = HybridStep.compute(reference.featurizer(), x, labels, domains, 2, reference.head(), objective, 0);
        tuner.step(x, labels, domains, 0);
        for (String name : MlpFeaturizer.PARAMETERS) {
            INDArray before = reference.featurizer().parameter(name);
            INDArray grad = g.featurizerGradients().get(name);
            INDArray after = tuner.featurizer().parameter(name);
            for (long i = 0; i < before.length(); i++) {
                double gi = grad.getDouble(i);
                assertEquals(before.getDouble(i) - 0.01 * gi / (Math.abs(gi) + 1e-8), after.getDouble(i), 1e-12, name + "[" + i + "]");
            }
        }
        double gw = g.objective().gradW().get(1, 2);
        assertEquals(headBefore.get(1, 2) - 0.01 * gw / (Math.abs(gw) + 1e-8), tuner.head().get(1, 2), 1e-12);
        assertEquals(1, tuner.adamSteps());
    }

    /**
     * Scaling the loss scales weight decay with it (the IRM script divides its whole loss): Adam's first step is then
     * the same up to ε, whereas scaling only the objective would let the decay dominate and flip directions.
     */
    @Test
    void lossScaleAppliesToTheWholeLoss() {
        INDArray x = toy(5);
        var objective = Algorithms.create("ERM", Map.of(), 0);
        FineTuner plain = new FineTuner(new MlpFeaturizer(6, 5, DataType.DOUBLE, 3), 2, objective, io.github.cma4j.core.optim.Adam.of(0.01, 0.05), 4);
        FineTuner scaled = new FineTuner(new MlpFeaturizer(6, 5, DataType.DOUBLE, 3), 2, objective, io.github.cma4j.core.optim.Adam.of(0.01, 0.05), 4);
        plain.step(x, labels, domains, 0, 1.0);
        scaled.step(x, labels, domains, 0, 1e-3);
        for (String name : MlpFeaturizer.PARAMETERS) {
            assertEquals(0, plain.featurizer().parameter(name).sub(scaled.featurizer().parameter(name)).amaxNumber().doubleValue(),
                    1e-4, name + ": equal up to ε's effect (a flipped step would differ by 2·lr)");
        }
        for (int i = 0; i < plain.head().getNumElements(); i++) {
            assertEquals(plain.head().data[i], scaled.head().data[i], 1e-4);
        }
        assertThrows(IllegalArgumentException.class, () -> plain.step(x, labels, domains, 1, 0.0));
    }

    @Test
    void trainingLowersTheLossAndAnnealingResetsAdam() {
        INDArray x = toy(2);
        FineTuner tuner = new FineTuner(new MlpFeaturizer(6, 8, DataType.DOUBLE, 5), 2, Algorithms.create("CMA",
                Map.of("penalty_anneal_iters", "20", "grad_alpha", "1", "hess_beta", "1"), 0), io.github.cma4j.core.optim.Adam.of(0.01, 1e-4), 6);
        double first = tuner.step(x, labels, domains, 0).value();
        double last = first;
        for (int t = 1; t < 60; t++) {
            FineTuner.StepReport r = tuner.step(x, labels, domains, t);
            assertEquals(t == 20, r.reset(), "reset exactly at the anneal step");
            if (t == 20) {
                assertEquals(1, tuner.adamSteps(), "moments and count restart at the anneal");
            }
            last = r.value();
        }
        assertTrue(last < first, "loss " + first + " -> " + last);
        int[] predicted = tuner.predict(x);
        int correct = 0;
        for (int i = 0; i < N; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        assertTrue(correct >= 0.8 * N, "fits the toy problem: " + correct + "/" + N);
    }

    /** The IRM script's schedule keeps Adam's moments through the anneal step. */
    @Test
    void ignoredResetsKeepAdamsMoments() {
        INDArray x = toy(2);
        FineTuner tuner = new FineTuner(new MlpFeaturizer(6, 8, DataType.DOUBLE, 5), 2, Algorithms.create("IRM",
                Map.of("irm_penalty_anneal_iters", "3", "irm_lambda", "10"), 0), io.github.cma4j.core.optim.Adam.of(0.01, 1e-4), 6)
                .ignoreOptimizerResets();
        for (int t = 0; t < 6; t++) {
            assertFalse(tuner.step(x, labels, domains, t).reset());
            assertEquals(t + 1, tuner.adamSteps());
        }
    }

    /**
     * A reference class: row 0 of the head starts and stays at zero (weight decay included), the other row gets the
     * one-logit Xavier bound √(6/(h+1)), and the model still learns the toy problem.
     */
    @Test
    void referenceClassPinsTheFirstRowAtZero() {
        INDArray x = toy(3);
        int h = 8;
        FineTuner tuner = new FineTuner(new MlpFeaturizer(6, h, DataType.DOUBLE, 5), 2, Algorithms.create("ERM", Map.of(), 0),
                io.github.cma4j.core.optim.Adam.of(0.02, 1e-2), 6).referenceClass();
        double bound = Math.sqrt(6.0 / (h + 1));
        double largest = 0;
        for (int j = 0; j < h; j++) {
            assertEquals(0.0, tuner.head().get(0, j));
            largest = Math.max(largest, Math.abs(tuner.head().get(1, j)));
        }
        assertTrue(largest > 0 && largest <= bound, "row 1 drawn within ±" + bound + ": " + largest);
        for (int t = 0; t < 80; t++) {
            tuner.step(x, labels, domains, t);
        }
        for (int j = 0; j <= h; j++) {
            assertEquals(0.0, tuner.head().get(0, j), "row 0, column " + j);
        }
        int[] predicted = tuner.predict(x);
        int correct = 0;
        for (int i = 0; i < N; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        assertTrue(correct >= 0.8 * N, "fits the toy problem: " + correct + "/" + N);
        assertThrows(IllegalStateException.class, tuner::referenceClass, "only before training");
    }

    /** The MLP's hand-written pass equals SameDiff's forward and autodiff, also when the batch size changes. */
    @Test
    void handWrittenMlpPassEqualsTheGraph() {
        MlpFeaturizer mlp = new MlpFeaturizer(6, 5, DataType.DOUBLE, 12);   // one instance: its buffers are re-sized
        for (int n : new int[]{N, 7, N}) {
            Random rng = new Random(n);
            INDArray x = Nd4j.rand(DataType.DOUBLE, n, 6).subi(0.5);
            INDArray upstream = Nd4j.create(DataType.DOUBLE, n, 5);
            for (long i = 0; i < upstream.length(); i++) {
                upstream.putScalar(i, rng.nextGaussian());
            }
            INDArray reference = mlp.features(x);
            assertEquals(0, mlp.forward(x).sub(reference).amaxNumber().doubleValue(), 1e-14);
            Map<String, INDArray> hand = mlp.backward(upstream);
            Map<String, INDArray> graph = mlp.graphGradients(x, upstream);
            assertEquals(MlpFeaturizer.PARAMETERS, List.copyOf(hand.keySet()));
            for (String name : MlpFeaturizer.PARAMETERS) {
                double scale = Math.max(1e-12, graph.get(name).amaxNumber().doubleValue());
                assertTrue(scale > 1e-6, name + " gradient is not trivially zero");
                assertArrayEquals(mlp.parameter(name).shape(), hand.get(name).shape(), name + "'s gradient has its shape");
                assertEquals(0, hand.get(name).sub(graph.get(name).reshape(hand.get(name).shape())).amaxNumber().doubleValue() / scale,
                        1e-12, name + " at n = " + n);
            }
        }
    }

    /** SameDiff's "Added differentiated op" lines are filtered out; other output passes. */
    @Test
    void gradientGraphBuildingIsQuiet() {
        java.io.PrintStream original = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            INDArray x = toy(4);
            MlpFeaturizer fresh = new MlpFeaturizer(6, 3, DataType.DOUBLE, 11);   // first gradient build happens below
            fresh.graphGradients(x, Nd4j.ones(DataType.DOUBLE, N, 3));
            System.out.println("a line of our own");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString();
        assertTrue(!out.contains("Added differentiated op") && out.contains("a line of our own"), out);
    }

    @Test
    void divergenceStopsAtTheStepAndKeepsTheLastGoodParameters() {
        INDArray x = toy(3).mul(1e150);
        FineTuner tuner = new FineTuner(new MlpFeaturizer(6, 5, DataType.DOUBLE, 7), 2, Algorithms.create("ERM", Map.of(), 0),
                io.github.cma4j.core.optim.Adam.of(1e150, 0), 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            for (int t = 0; t < 20; t++) {
                tuner.step(x, labels, domains, t);
            }
        });
        assertTrue(e.getMessage().startsWith("step ") && e.getMessage().contains("last good step"), e.getMessage());
        for (String name : MlpFeaturizer.PARAMETERS) {
            assertTrue(Double.isFinite(tuner.featurizer().parameter(name).sumNumber().doubleValue()), name + " stays finite");
        }
        for (double w : tuner.head().data) {
            assertTrue(Double.isFinite(w));
        }
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> tuner.featurizer().features(Nd4j.zeros(DataType.DOUBLE, 3, 4)));
        assertTrue(shape.getMessage().contains("expected [n, 6]"), shape.getMessage());
    }
}
