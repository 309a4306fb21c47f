package io.github.cma4j.core.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adam's update against values worked out by hand from the formula of docs/math.md §10. */
class AdamTest {

    /** Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g), whatever the gradient's scale. */
    @Test
    void theFirstStepIsTheLearningRateTimesTheSign() {
        Adam adam = Adam.of(1e-3, 0);
        double[] theta = {1, 1};
        double[] m = new double[2];
        double[] v = new double[2];
        adam.update(theta, new double[]{0.1, -10}, m, v, 0, 2, 1, 1.0);
        assertEquals(1 - 1e-3 * 0.1 / (0.1 + 1e-8), theta[0], 1e-15);
        assertEquals(1 + 1e-3 * 10 / (10 + 1e-8), theta[1], 1e-15);
        assertEquals(0.1 * 0.1, m[0], 1e-17, "m = (1 − β₁) g");
        assertEquals(0.001 * 100, v[1], 1e-15, "v = (1 − β₂) g²");
    }

    /** Step 2 with weight decay and a loss scale, written out: g = s(∇ + λθ). */
    @Test
    void weightDecayAndScaleEnterTheGradient() {
        Adam adam = new Adam(0.1, 0.5, 0.75, 1e-8, 0.2);
        double[] theta = {2};
        double[] m = {0.4};
        double[] v = {0.3};
        adam.update(theta, new double[]{1}, m, v, 0, 1, 2, 0.5);
        double g = 0.5 * (1 + 0.2 * 2);
        double mm = 0.5 * 0.4 + 0.5 * g;
        double vv = 0.75 * 0.3 + 0.25 * g * g;
        assertEquals(mm, m[0], 1e-15);
        assertEquals(vv, v[0], 1e-15);
        assertEquals(2 - 0.1 * (mm / 0.75) / (Math.sqrt(vv / (1 - 0.5625)) + 1e-8), theta[0], 1e-15);
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adam.of(-1, 0));
        assertTrue(e.getMessage().contains("lr=-1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Adam.of(1e-3, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3, 1, 0.999, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> Adam.of(Double.NaN, 0));
    }
}
