package io.github.cma4j.core.algorithm;

/**
 * Implemented by objectives whose formula holds some quantity constant for differentiation (a stop-gradient:
 * HGP's h̄, Hutchinson's D̄, GroupDRO's weights q). The gradient {@code evaluate} returns is the gradient of the
 * objective with those quantities held at their current values. Holding them makes {@code evaluate} reuse the
 * values of the last evaluation instead of recomputing them, so the value becomes exactly the function whose
 * gradient is returned; tests use it to check gradients by finite differences.
 */
interface StopGradientHolder {
    /**
     * @param hold true to reuse the last evaluation's stop-gradient quantities, false to recompute them (normal use).
     */
    void holdStopGradients(boolean hold);
}
