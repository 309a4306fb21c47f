package io.github.cma4j.core.hparam;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A random-search distribution for one hyperparameter, in DomainBed's vocabulary ("10^U(a,b)" is log-uniform).
 * Draws return the value's text form: decimals via {@link Double#toString}, integers via {@link Long#toString}.
 */
public sealed interface Distribution {

    /**
     * @param rng the hyperparameter's own generator.
     * @return the drawn value as text.
     */
    String draw(SplittableRandom rng);

    /** No search: always the default. */
    record Fixed() implements Distribution {
        @Override
        public String draw(SplittableRandom rng) {
            throw new IllegalStateException("a fixed hyperparameter is never drawn");
        }

        @Override
        public String toString() {
            return "fixed";
        }
    }

    /** 10^U(lo, hi). */
    record Log10Uniform(double lo, double hi) implements Distribution {
        @Override
        public String draw(SplittableRandom rng) {
            return Double.toString(Math.pow(10, lo + (hi - lo) * rng.nextDouble()));
        }

        @Override
        public String toString() {
            return "10^U(" + lo + ", " + hi + ")";
        }
    }

    /** U(lo, hi). */
    record Uniform(double lo, double hi) implements Distribution {
        @Override
        public String draw(SplittableRandom rng) {
            return Double.toString(lo + (hi - lo) * rng.nextDouble());
        }

        @Override
        public String toString() {
            return "U(" + lo + ", " + hi + ")";
        }
    }

    /** int(base^U(lo, hi)), truncated as Python's {@code int()} does. */
    record IntPowUniform(double base, double lo, double hi) implements Distribution {
        @Override
        public String draw(SplittableRandom rng) {
            return Long.toString((long) Math.pow(base, lo + (hi - lo) * rng.nextDouble()));
        }

        @Override
        public String toString() {
            return "int(" + (base == 10 ? "10" : base == 2 ? "2" : Double.toString(base)) + "^U(" + lo + ", " + hi + "))";
        }
    }

    /** int(U(lo, hi)). */
    record IntUniform(double lo, double hi) implements Distribution {
        @Override
        public String draw(SplittableRandom rng) {
            return Long.toString((long) (lo + (hi - lo) * rng.nextDouble()));
        }

        @Override
        public String toString() {
            return "int(U(" + lo + ", " + hi + "))";
        }
    }

    /**
     * A uniform choice among values.
     *
     * @param values the values' text forms.
     */
    record Choice(List<String> values) implements Distribution {
        /** Copies the values. */
        public Choice {
            if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException("a choice needs at least one value");
            }
            values = List.copyOf(values);
        }

        @Override
        public String draw(SplittableRandom rng) {
            return values.get(rng.nextInt(values.size()));
        }

        @Override
        public String toString() {
            return "choice" + values;
        }
    }
}
