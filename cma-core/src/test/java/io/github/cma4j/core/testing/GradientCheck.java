package io.github.cma4j.core.testing;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.NormOps_DDRM;

import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite differences and relative-error assertions. */
public final class GradientCheck {
    private GradientCheck() {
    }

    /**
     * Central finite-difference gradient of f at x, perturbing each entry by ±h (scaled to the entry's size).
     *
     * @param f the function. Called with a perturbed copy of x.
     * @param x the point. Not modified.
     * @return ∂f/∂x, same shape as x.
     */
    public static DMatrixRMaj numerical(ToDoubleFunction<DMatrixRMaj> f, DMatrixRMaj x) {
        DMatrixRMaj grad = new DMatrixRMaj(x.numRows, x.numCols);
        DMatrixRMaj probe = x.copy();
        for (int idx = 0; idx < x.getNumElements(); idx++) {
            double orig = x.data[idx];
            double h = 1e-5 * Math.max(1.0, Math.abs(orig));
            probe.data[idx] = orig + h;
            double plus = f.applyAsDouble(probe);
            probe.data[idx] = orig - h;
            double minus = f.applyAsDouble(probe);
            probe.data[idx] = orig;
            grad.data[idx] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    /**
     * @return ‖a − b‖_F / max(‖a‖_F, ‖b‖_F, floor).
     */
    public static double relativeError(DMatrixRMaj a, DMatrixRMaj b, double floor) {
        DMatrixRMaj diff = a.copy();
        for (int idx = 0; idx < diff.getNumElements(); idx++) {
            diff.data[idx] -= b.data[idx];
        }
        double scale = Math.max(Math.max(NormOps_DDRM.normF(a), NormOps_DDRM.normF(b)), floor);
        return NormOps_DDRM.normF(diff) / scale;
    }

    /** Asserts shapes agree and the relative error is at most {@code tol}. */
    public static void assertClose(String what, DMatrixRMaj expected, DMatrixRMaj actual, double tol) {
        assertTrue(expected.numRows == actual.numRows && expected.numCols == actual.numCols,
                what + ": shape " + actual.numRows + "x" + actual.numCols + " vs " + expected.numRows + "x" + expected.numCols);
        double err = relativeError(expected, actual, 1e-12);
        assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
    }

    /** Asserts |a − b| ≤ tol·max(|a|, |b|, 1e-12). */
    public static void assertClose(String what, double expected, double actual, double tol) {
        double scale = Math.max(Math.max(Math.abs(expected), Math.abs(actual)), 1e-12);
        assertTrue(Math.abs(expected - actual) <= tol * scale,
                what + ": expected " + expected + " got " + actual + " (rel " + Math.abs(expected - actual) / scale + ")");
    }
}
