package io.github.cma4j.tribuo.optim;

import org.junit.jupiter.api.Test;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * First and tenth steps against values computed by hand from Kingma and Ba's recurrences (scalar arithmetic
 * below, independent of the Tensor code), and the Tribuo 4.3.2 bug it exists to avoid.
 */
class AdamOptimiserTest {

    /** Gradients for a 1×2 weight matrix (+ bias column): entry values per step t = 1..10. */
    private static double gradient(int t, int entry) {
        return entry == 0 ? 0.1 * t : (t % 2 == 0 ? -10.0 : 10.0);
    }

    @Test
    void firstAndTenthStepsMatchHandComputedValues() {
        double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        LinearParameters params = new LinearParameters(2, 1);     // 1 × 2 (one weight + bias)
        AdamOptimiser adam = new AdamOptimiser(lr);
        adam.initialise(params);
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= 10; t++) {
            DenseMatrix g = new DenseMatrix(1, 2);
            g.set(0, 0, gradient(t, 0));
            g.set(0, 1, gradient(t, 1));
            Tensor[] update = adam.step(new Tensor[]{g}, 1.0);
            for (int e = 0; e < 2; e++) {
                double ge = gradient(t, e);
                m[e] = b1 * m[e] + (1 - b1) * ge;
                v[e] = b2 * v[e] + (1 - b2) * ge * ge;
                double expected = lr * (m[e] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[e] / (1 - Math.pow(b2, t))) + eps);
                double actual = ((DenseMatrix) update[0]).get(0, e);
                assertEquals(expected, actual, 1e-15, "step " + t + " entry " + e);
                if (t == 1) {
                    // first step: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) ≈ ±lr whatever |g| is
                    assertEquals(Math.signum(ge) * lr, actual, 1e-9);
                }
            }
            params.update(update);
        }
        assertEquals(10, adam.iterations());
        // after reset, stepping without initialise is an error; initialise starts the count again
        DenseMatrix g = new DenseMatrix(1, 2);
        adam.reset();
        assertThrows(IllegalStateException.class, () -> adam.step(new Tensor[]{g}, 1.0));
        adam.initialise(params);
        assertEquals(0, adam.iterations());
    }

    /** Tribuo 4.3.2's Adam returns ≈1e-8 for g = 0.1 on the first step where Adam's update is ≈ lr = 1e-3. */
    @Test
    void tribuosAdamIsTheBugWeAvoid() {
        LinearParameters params = new LinearParameters(2, 1);
        org.tribuo.math.optimisers.Adam tribuo = new org.tribuo.math.optimisers.Adam(1e-3, 1e-8);
        tribuo.initialise(params);
        DenseMatrix g = new DenseMatrix(1, 2);
        g.set(0, 0, 0.1);
        DenseMatrix g2 = new DenseMatrix(g);     // Tribuo's Adam also overwrites the tensor it is given
        double tribuoStep = ((DenseMatrix) tribuo.step(new Tensor[]{g}, 1.0)[0]).get(0, 0);
        AdamOptimiser ours = new AdamOptimiser(1e-3);
        ours.initialise(params);
        double ourStep = ((DenseMatrix) ours.step(new Tensor[]{g2}, 1.0)[0]).get(0, 0);
        assertEquals(0.1, g2.get(0, 0), 0.0, "ours leaves the caller's gradient alone");
        assertEquals(1e-3, ourStep, 1e-9);
        assertEquals(true, tribuoStep < 1e-6, "Tribuo 4.3.2 multiplies by sqrt(v)+eps: " + tribuoStep);
    }

    @Test
    void weightDecayAddsL2ToTheDescentDirection() {
        LinearParameters params = new LinearParameters(2, 1);
        params.getWeightMatrix().set(0, 0, 2.0);
        AdamOptimiser adam = new AdamOptimiser(1e-2, 0.9, 0.999, 1e-8, 0.5);
        adam.initialise(params);
        DenseMatrix zero = new DenseMatrix(1, 2);
        double step = ((DenseMatrix) adam.step(new Tensor[]{zero}, 1.0)[0]).get(0, 0);
        assertEquals(-1e-2, step, 1e-9, "ascent g = −0.5·2 = −1, so the first step is −lr");
        assertThrows(IllegalArgumentException.class, () -> new AdamOptimiser(-1));
    }

    /** The Tribuo optimiser applies cma-core's Adam rule: ten steps with weight decay give the same parameters. */
    @Test
    void appliesTheCoreAdamRule() {
        io.github.cma4j.core.optim.Adam rule = new io.github.cma4j.core.optim.Adam(1e-2, 0.8, 0.99, 1e-6, 0.3);
        LinearParameters params = new LinearParameters(2, 1);
        params.getWeightMatrix().set(0, 0, 2.0);
        AdamOptimiser adam = new AdamOptimiser(1e-2, 0.8, 0.99, 1e-6, 0.3);
        adam.initialise(params);
        double[] theta = {2.0, 0.0};
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= 10; t++) {
            DenseMatrix ascent = new DenseMatrix(1, 2);
            double[] descent = new double[2];
            for (int e = 0; e < 2; e++) {
                ascent.set(0, e, -gradient(t, e));
                descent[e] = gradient(t, e);
            }
            params.update(adam.step(new Tensor[]{ascent}, 1.0));
            rule.update(theta, descent, m, v, 0, 2, t, 1.0);
            for (int e = 0; e < 2; e++) {
                assertEquals(theta[e], params.getWeightMatrix().get(0, e), 1e-14, "step " + t + " entry " + e);
            }
        }
    }
}
