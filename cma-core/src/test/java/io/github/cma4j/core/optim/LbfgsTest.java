package io.github.cma4j.core.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LbfgsTest {

    /** Rosenbrock's valley, minimum 0 at (1, 1): the classic test of a quasi-Newton line search. */
    private static double rosenbrock(double[] x, double[] g) {
        double a = 1 - x[0];
        double b = x[1] - x[0] * x[0];
        g[0] = -2 * a - 400 * x[0] * b;
        g[1] = 200 * b;
        return a * a + 100 * b * b;
    }

    @Test
    void findsRosenbrocksMinimum() {
        Lbfgs.Result r = new Lbfgs(10, 200, 1e-12).minimize(LbfgsTest::rosenbrock, new double[]{-1.2, 1.0});
        assertEquals(Lbfgs.Stop.CONVERGED, r.stop());
        assertEquals(1.0, r.x()[0], 1e-5);
        assertEquals(1.0, r.x()[1], 1e-5);
        assertTrue(r.iterations() < 100, "iterations " + r.iterations());
        for (int k = 1; k < r.values().length; k++) {
            assertTrue(r.values()[k] <= r.values()[k - 1], "monotone at " + k);  // sufficient decrease every step
        }
    }

    @Test
    void solvesAnIllConditionedQuadratic() {
        double[] scale = {1, 10, 100, 1000, 1e4};
        Lbfgs.Function f = (x, g) -> {
            double v = 0;
            for (int i = 0; i < x.length; i++) {
                double r = x[i] - (i + 1);
                v += 0.5 * scale[i] * r * r;
                g[i] = scale[i] * r;
            }
            return v;
        };
        Lbfgs.Result r = new Lbfgs(5, 100, 1e-12).minimize(f, new double[5]);
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, r.x()[i], 1e-6, "x[" + i + "]");
        }
    }

    @Test
    void aNonFiniteTrialValueShortensTheStep() {
        // −log barrier: not finite beyond x = 1, minimum at x = 0.5 of −log(1 − x) + 2x²... f' = 1/(1−x) + 4x... use
        // f = x − log(1 − x)·0 + ... : a function finite only on x < 1 with its minimum inside
        Lbfgs.Function f = (x, g) -> {
            if (x[0] >= 1) {
                g[0] = Double.NaN;
                return Double.NaN;
            }
            g[0] = 1 / (1 - x[0]) - 4;            // f = −log(1 − x) − 4x, minimum at x = 0.75
            return -Math.log(1 - x[0]) - 4 * x[0];
        };
        Lbfgs.Result r = new Lbfgs(3, 100, 1e-10).minimize(f, new double[]{-10});
        assertEquals(0.75, r.x()[0], 1e-6);
    }

    @Test
    void stopsAtTheBudgetAndSaysSo() {
        Lbfgs.Result r = new Lbfgs(10, 3, 1e-12).minimize(LbfgsTest::rosenbrock, new double[]{-1.2, 1.0});
        assertEquals(Lbfgs.Stop.MAX_ITERATIONS, r.stop());
        assertEquals(3, r.iterations());
        assertEquals(4, r.values().length);
        Lbfgs.Result none = new Lbfgs(10, 0, 1e-12).minimize(LbfgsTest::rosenbrock, new double[]{-1.2, 1.0});
        assertEquals(24.2, none.value(), 1e-12);
    }

    @Test
    void refusesANonFiniteStartAndBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> Lbfgs.defaults().minimize((x, g) -> Double.NaN, new double[]{0}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Lbfgs(0, 10, 1e-6));
        assertTrue(e.getMessage().contains("memory=0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(5, 10, 0));
    }
}
