package io.github.cma4j.core;

import org.ejml.data.DMatrixRMaj;

/**
 * Argument checks with uniform messages. Every public entry point of cma4j validates its input with these so
 * that a caller error surfaces as an {@link IllegalArgumentException} that names the argument, the offending
 * row and column, and what was expected — never as a NaN result or an {@code ArrayIndexOutOfBoundsException}
 * deep inside a kernel.
 */
public final class Checks {
    private Checks() {
    }

    /**
     * Checks a matrix's shape.
     *
     * @param name what the matrix is, used in the message (e.g. {@code "W (classes x features)"}). Not modified.
     * @param m    the matrix. Not modified.
     * @param rows expected number of rows.
     * @param cols expected number of columns.
     * @throws IllegalArgumentException if {@code m} is null or has another shape.
     */
    public static void shape(String name, DMatrixRMaj m, int rows, int cols) {
        if (m == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (m.numRows != rows || m.numCols != cols) {
            throw new IllegalArgumentException(name + " is " + m.numRows + "x" + m.numCols
                    + ", expected " + rows + "x" + cols);
        }
    }

    /**
     * Checks that every entry of a matrix is finite.
     *
     * @param name what the matrix is. Not modified.
     * @param m    the matrix. Not modified.
     * @throws IllegalArgumentException naming the first non-finite entry by row and column.
     */
    public static void finite(String name, DMatrixRMaj m) {
        double[] data = m.data;
        int size = m.getNumElements();
        for (int idx = 0; idx < size; idx++) {
            if (!Double.isFinite(data[idx])) {
                throw new IllegalArgumentException(name + " has a non-finite value " + data[idx] + " at row "
                        + idx / m.numCols + ", column " + idx % m.numCols);
            }
        }
    }

    /**
     * Checks a scalar hyperparameter.
     *
     * @param name  its name.
     * @param value its value.
     * @throws IllegalArgumentException if the value is negative, NaN or infinite.
     */
    public static void nonNegativeFinite(String name, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /**
     * Checks a count or step.
     *
     * @param name  its name.
     * @param value its value.
     * @throws IllegalArgumentException if the value is negative.
     */
    public static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /**
     * Checks a size.
     *
     * @param name  its name.
     * @param value its value.
     * @throws IllegalArgumentException if the value is not strictly positive.
     */
    public static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
