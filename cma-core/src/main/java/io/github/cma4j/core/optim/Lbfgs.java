package io.github.cma4j.core.optim;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Limited-memory BFGS with a strong-Wolfe line search (docs/math.md §13): the full-batch optimiser of cma4j, the
 * same on one machine and on Spark's driver, so that a model trained on a cluster can be checked against one
 * trained locally. Every evaluation is one exact value and gradient; nothing is sampled.
 * <ul>
 *     <li>Direction: the two-loop recursion over the last {@code memory} pairs (s, y), scaled by sᵀy/yᵀy. A pair
 *     with sᵀy ≤ 1e-10·‖s‖‖y‖ is skipped (curvature not positive).</li>
 *     <li>Step: Nocedal &amp; Wright's Algorithm 3.5/3.6 (bracket, then zoom by safeguarded cubic interpolation),
 *     c₁ = 1e-4, c₂ = 0.9, at most 30 evaluations; the first iteration starts at α = 1/‖g‖∞. A non-finite trial
 *     value counts as too long a step.</li>
 *     <li>Stop: ‖g‖∞ ≤ tol·max(1, |f|) or |f_prev − f| ≤ tol·max(1, |f|) ({@link Stop#CONVERGED}), the iteration
 *     budget ({@link Stop#MAX_ITERATIONS}), or no step satisfying the Wolfe conditions along a descent direction
 *     even after a restart from −g ({@link Stop#LINE_SEARCH_FAILED}, typically at the limit of float64).</li>
 * </ul>
 * The stop reason is returned, never hidden.
 *
 * <pre>
 * J. Nocedal, S. J. Wright. "Numerical Optimization", 2nd ed., Springer 2006, Algorithms 3.5, 3.6 and 7.4.
 * </pre>
 *
 * @param memory        m, the number of (s, y) pairs kept, ≥ 1.
 * @param maxIterations the iteration budget, ≥ 0.
 * @param tolerance     tol &gt; 0.
 */
public record Lbfgs(int memory, int maxIterations, double tolerance) {
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH = 30;

    /**
     * Validates.
     *
     * @throws IllegalArgumentException naming the setting out of range.
     */
    public Lbfgs {
        if (memory < 1 || maxIterations < 0 || !(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("L-BFGS needs memory ≥ 1, max iterations ≥ 0 and 0 < tolerance < ∞; got memory="
                    + memory + " max iterations=" + maxIterations + " tolerance=" + tolerance);
        }
    }

    /** @return memory 10, 100 iterations, tolerance 1e-6 (Spark ML's LogisticRegression defaults). */
    public static Lbfgs defaults() {
        return new Lbfgs(10, 100, 1e-6);
    }

    /** A function to minimise: f(x), with ∇f(x) written into {@code gradient}. */
    @FunctionalInterface
    public interface Function {
        /**
         * @param x        the point. Not modified.
         * @param gradient ∇f(x), same length. Overwritten.
         * @return f(x).
         */
        double evaluate(double[] x, double[] gradient);
    }

    /** Why the iterations stopped. */
    public enum Stop {
        /** The gradient or the improvement fell below the tolerance. */
        CONVERGED,
        /** The iteration budget ran out first. */
        MAX_ITERATIONS,
        /** No acceptable step along a descent direction, even from −g. */
        LINE_SEARCH_FAILED
    }

    /**
     * @param x           the last accepted point.
     * @param value       f(x).
     * @param iterations  the accepted steps.
     * @param evaluations the function evaluations, line searches included.
     * @param stop        why it stopped.
     * @param values      f at the start and after every accepted step (length iterations + 1).
     */
    public record Result(double[] x, double value, int iterations, int evaluations, Stop stop, double[] values) {
    }

    /**
     * Minimises f from x₀.
     *
     * @param f  the function.
     * @param x0 the start. Not modified.
     * @return the last accepted point and how it got there.
     * @throws IllegalArgumentException if f or ∇f is not finite at x₀.
     */
    public Result minimize(Function f, double[] x0) {
        int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double fx = f.evaluate(x, g);
        if (!Double.isFinite(fx) || !allFinite(g)) {
            throw new IllegalArgumentException("L-BFGS: the objective or its gradient is not finite at the starting point (f=" + fx + ")");
        }
        Deque<double[][]> pairs = new ArrayDeque<>();
        double[] values = new double[maxIterations + 1];
        values[0] = fx;
        int evaluations = 1;
        int iteration = 0;
        Stop stop = Stop.MAX_ITERATIONS;
        double[] trialX = new double[n];
        double[] trialG = new double[n];
        while (true) {
            if (normInf(g) <= tolerance * Math.max(1, Math.abs(fx))) {
                stop = Stop.CONVERGED;
                break;
            }
            if (iteration == maxIterations) {
                break;
            }
            double[] direction = direction(g, pairs);
            double slope = dot(g, direction);
            if (!(slope < 0)) {                     // not a descent direction: forget the curvature pairs
                pairs.clear();
                direction = direction(g, pairs);
                slope = dot(g, direction);
            }
            double alpha0 = pairs.isEmpty() ? 1.0 / normInf(g) : 1.0;
            LineSearch search = new LineSearch(f, x, fx, direction, slope, trialX, trialG);
            double alpha = search.run(alpha0);
            evaluations += search.evaluations;
            if (Double.isNaN(alpha)) {
                if (!pairs.isEmpty()) {             // retry once from steepest descent before giving up
                    pairs.clear();
                    continue;
                }
                stop = Stop.LINE_SEARCH_FAILED;
                break;
            }
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = alpha * direction[i];
                y[i] = search.gradient[i] - g[i];
            }
            double previous = fx;
            System.arraycopy(search.point, 0, x, 0, n);
            System.arraycopy(search.gradient, 0, g, 0, n);
            fx = search.value;
            values[++iteration] = fx;
            double sy = dot(s, y);
            if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
                if (pairs.size() == memory) {
                    pairs.removeFirst();
                }
                pairs.addLast(new double[][]{s, y, {1.0 / sy}});
            }
            if (Math.abs(previous - fx) <= tolerance * Math.max(1, Math.abs(fx))) {
                stop = Stop.CONVERGED;
                break;
            }
        }
        return new Result(x, fx, iteration, evaluations, stop, Arrays.copyOf(values, iteration + 1));
    }

    /** The two-loop recursion: −H·g with H the L-BFGS inverse-Hessian estimate. */
    private static double[] direction(double[] g, Deque<double[][]> pairs) {
        double[] q = g.clone();
        double[] alphas = new double[pairs.size()];
        int k = pairs.size();
        var newestFirst = pairs.descendingIterator();
        while (newestFirst.hasNext()) {
            double[][] p = newestFirst.next();
            double a = p[2][0] * dot(p[0], q);
            alphas[--k] = a;
            axpy(-a, p[1], q);
        }
        if (!pairs.isEmpty()) {
            double[][] last = pairs.peekLast();
            double gamma = dot(last[0], last[1]) / dot(last[1], last[1]);
            for (int i = 0; i < q.length; i++) {
                q[i] *= gamma;
            }
        }
        k = 0;
        for (double[][] p : pairs) {
            double b = p[2][0] * dot(p[1], q);
            axpy(alphas[k++] - b, p[0], q);
        }
        for (int i = 0; i < q.length; i++) {
            q[i] = -q[i];
        }
        return q;
    }

    /** Strong-Wolfe line search along d from x (Nocedal &amp; Wright, Algorithms 3.5 and 3.6). */
    private static final class LineSearch {
        final Function f;
        final double[] x;
        final double f0;
        final double[] d;
        final double slope0;
        final double[] trialX;
        final double[] trialG;
        double[] point;
        double[] gradient;
        double value;
        int evaluations;

        LineSearch(Function f, double[] x, double f0, double[] d, double slope0, double[] trialX, double[] trialG) {
            this.f = f;
            this.x = x;
            this.f0 = f0;
            this.d = d;
            this.slope0 = slope0;
            this.trialX = trialX;
            this.trialG = trialG;
        }

        /** f and f' at x + αd; f = +∞ where it is not finite. */
        private double[] probe(double alpha) {
            for (int i = 0; i < x.length; i++) {
                trialX[i] = x[i] + alpha * d[i];
            }
            double v = f.evaluate(trialX, trialG);
            evaluations++;
            double s = dot(trialG, d);
            if (!Double.isFinite(v) || !Double.isFinite(s)) {
                return new double[]{Double.POSITIVE_INFINITY, Double.NaN};
            }
            return new double[]{v, s};
        }

        private double accept(double alpha, double v) {
            point = trialX.clone();
            gradient = trialG.clone();
            value = v;
            return alpha;
        }

        /** @return the accepted α (point, gradient and value set), or NaN if none was found. */
        double run(double alpha) {
            double previousAlpha = 0;
            double previousValue = f0;
            double previousSlope = slope0;
            for (int i = 0; evaluations < MAX_LINE_SEARCH; i++) {
                double[] p = probe(alpha);
                if (p[0] > f0 + C1 * alpha * slope0 || (i > 0 && p[0] >= previousValue)) {
                    return zoom(previousAlpha, previousValue, previousSlope, alpha, p[0], p[1]);
                }
                if (Math.abs(p[1]) <= -C2 * slope0) {
                    return accept(alpha, p[0]);
                }
                if (p[1] >= 0) {
                    return zoom(alpha, p[0], p[1], previousAlpha, previousValue, previousSlope);
                }
                previousAlpha = alpha;
                previousValue = p[0];
                previousSlope = p[1];
                alpha *= 2;
            }
            return Double.NaN;
        }

        private double zoom(double lo, double fLo, double sLo, double hi, double fHi, double sHi) {
            while (evaluations < MAX_LINE_SEARCH) {
                double alpha = interpolate(lo, fLo, sLo, hi, fHi, sHi);
                double[] p = probe(alpha);
                if (p[0] > f0 + C1 * alpha * slope0 || p[0] >= fLo) {
                    hi = alpha;
                    fHi = p[0];
                    sHi = p[1];
                } else {
                    if (Math.abs(p[1]) <= -C2 * slope0) {
                        return accept(alpha, p[0]);
                    }
                    if (p[1] * (hi - lo) >= 0) {
                        hi = lo;
                        fHi = fLo;
                        sHi = sLo;
                    }
                    lo = alpha;
                    fLo = p[0];
                    sLo = p[1];
                }
                if (Math.abs(hi - lo) <= 1e-16 * Math.max(Math.abs(lo), Math.abs(hi))) {
                    break;
                }
            }
            // the bracket has shrunk to nothing: accept its sufficient-decrease end if it improves on f₀
            if (lo > 0 && fLo < f0) {
                double[] p = probe(lo);
                if (p[0] < f0) {
                    return accept(lo, p[0]);
                }
            }
            return Double.NaN;
        }

        /** The minimiser of the cubic through both ends, kept inside the middle 80% of the bracket (else bisection). */
        private static double interpolate(double a, double fa, double sa, double b, double fb, double sb) {
            double lo = Math.min(a, b);
            double hi = Math.max(a, b);
            double width = hi - lo;
            double mid = lo + 0.5 * width;
            if (!Double.isFinite(fb) || Double.isNaN(sb) || !Double.isFinite(fa)) {
                return mid;
            }
            double d1 = sa + sb - 3 * (fa - fb) / (a - b);
            double disc = d1 * d1 - sa * sb;
            if (!(disc >= 0)) {
                return mid;
            }
            double d2 = Math.signum(b - a) * Math.sqrt(disc);
            double t = b - (b - a) * (sb + d2 - d1) / (sb - sa + 2 * d2);
            if (!Double.isFinite(t) || t < lo + 0.1 * width || t > hi - 0.1 * width) {
                return mid;
            }
            return t;
        }
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static double normInf(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }
}
