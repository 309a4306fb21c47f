package io.github.cma4j.core.linalg;

import org.ejml.data.DMatrixRMaj;

/**
 * Small kernels on slices of row-major arrays, written as plain loops the JIT vectorises. They complement
 * {@link org.ejml.dense.row.CommonOps_DDRM}, which works on whole matrices only.
 */
public final class RowOps {
    private RowOps() {
    }

    /**
     * y[yo..yo+len) += a · x[xo..xo+len).
     *
     * @param a   scale.
     * @param x   source array. Not modified.
     * @param xo  offset into x.
     * @param y   destination array. Modified.
     * @param yo  offset into y.
     * @param len number of entries.
     */
    public static void axpy(double a, double[] x, int xo, double[] y, int yo, int len) {
        for (int j = 0; j < len; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    /**
     * y[yo..yo+len) += a · x[xo..xo+len), x in float32.
     *
     * @param a   scale.
     * @param x   source array. Not modified.
     * @param xo  offset into x.
     * @param y   destination array. Modified.
     * @param yo  offset into y.
     * @param len number of entries.
     */
    public static void axpy(double a, float[] x, int xo, double[] y, int yo, int len) {
        for (int j = 0; j < len; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    /**
     * Dot product of two slices.
     *
     * @param a   first array. Not modified.
     * @param ao  offset into a.
     * @param b   second array. Not modified.
     * @param bo  offset into b.
     * @param len number of entries.
     * @return Σ_j a[ao+j] b[bo+j].
     */
    public static double dot(double[] a, int ao, double[] b, int bo, int len) {
        // four accumulators: independent additions pipeline, where one running sum waits on each add
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
        }
        for (; j < len; j++) {
            s0 += a[ao + j] * b[bo + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Returns a zero matrix of the given shape, reusing {@code m}'s storage when it is non-null.
     *
     * @param m    matrix to reuse, or null. Modified.
     * @param rows rows.
     * @param cols columns.
     * @return the zeroed matrix.
     */
    public static DMatrixRMaj zeroed(DMatrixRMaj m, int rows, int cols) {
        if (m == null) {
            return new DMatrixRMaj(rows, cols);
        }
        m.reshape(rows, cols);
        m.zero();
        return m;
    }

    /**
     * Returns a matrix of the given shape with unspecified content, reusing {@code m}'s storage when non-null.
     *
     * @param m    matrix to reuse, or null. Modified.
     * @param rows rows.
     * @param cols columns.
     * @return the reshaped matrix.
     */
    public static DMatrixRMaj reshaped(DMatrixRMaj m, int rows, int cols) {
        if (m == null) {
            return new DMatrixRMaj(rows, cols);
        }
        m.reshape(rows, cols);
        return m;
    }
}
