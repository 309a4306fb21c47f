package io.github.cma4j.core.linalg;

import org.ejml.data.DMatrixRMaj;

/**
 * Register-blocked matrix products for the shapes cma4j spends its time in (n ≈ 100 rows, D up to a few
 * thousand features).
 * <p>
 * Why not {@link org.ejml.dense.row.CommonOps_DDRM}: its {@code multTransB} and {@code multOuter} compute each entry
 * as one dot product, a chain of dependent floating-point additions the JIT may not reorder, so they run at one
 * multiply-add per add latency. Here each 4×4 tile of the output keeps 16 independent accumulators, so the
 * additions pipeline (the speed-up over {@code multOuter} is in docs/performance.md §1). When the JVM has
 * {@code jdk.incubator.vector} the tile accumulates in SIMD registers instead ({@link #VECTORIZED}). Results differ from EJML's only by floating-point
 * summation order (and fused multiply-adds in the SIMD tile).
 */
public final class TiledOps {
    /**
     * Whether the SIMD tile is used: the JVM must run with {@code --add-modules jdk.incubator.vector} (the
     * {@code ./cma4j} launcher and the build's tests do), and {@code -Dcma4j.vector=false} turns it off.
     */
    public static final boolean VECTORIZED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("cma4j.vector"));

    /** Shared-dimension chunk of {@link #multOuter}: 4 + 4 rows of it (16 KiB) stay in L1, all m rows in L2. */
    static final int OUTER_CHUNK = 256;

    private TiledOps() {
    }

    /**
     * C = α·A·Bᵀ + γ·C, with A m×k and B n×k, both row-major so that both operands are read along rows.
     *
     * @param alpha scale of the product.
     * @param A     m×k. Not modified.
     * @param B     n×k. Not modified.
     * @param gamma scale of the previous content of C (0 to overwrite it; then C's content may be garbage).
     * @param C     m×n output; must not be A or B. Modified.
     */
    public static void multTransB(double alpha, DMatrixRMaj A, DMatrixRMaj B, double gamma, DMatrixRMaj C) {
        checkTransB(A, B, C);
        int m = A.numRows;
        int n = B.numRows;
        int m4 = m - m % 4;
        int n4 = n - n % 4;
        for (int i = 0; i < m4; i += 4) {
            for (int j = 0; j < n4; j += 4) {
                tile(alpha, A, i, B, j, gamma, C, false);
            }
            for (int i2 = i; i2 < i + 4; i2++) {
                for (int j = n4; j < n; j++) {
                    store(C, i2, j, alpha * dot4(A, i2, B, j), gamma);
                }
            }
        }
        for (int i = m4; i < m; i++) {
            for (int j = 0; j < n; j++) {
                store(C, i, j, alpha * dot4(A, i, B, j), gamma);
            }
        }
    }

    /**
     * C = A·Uᵀ for an upper-triangular U (U[j][t] = 0 for t &lt; j), skipping the zero half: row j of U is read from
     * column j on. With U the upper triangle of a symmetric Φ (off-diagonal doubled), row i of C dotted with row i
     * of A is the quadratic form aᵢᵀΦaᵢ at half the cost of A·Φ.
     *
     * @param A m×k. Not modified.
     * @param U n×k, upper triangular (n ≤ k). Not modified.
     * @param C m×n output; must not be A or U. Modified.
     */
    public static void multTransBUpper(DMatrixRMaj A, DMatrixRMaj U, DMatrixRMaj C) {
        checkTransB(A, U, C);
        int m = A.numRows;
        int n = U.numRows;
        int m4 = m - m % 4;
        int n4 = n - n % 4;
        for (int i = 0; i < m4; i += 4) {
            for (int j = 0; j < n4; j += 4) {
                tile(1.0, A, i, U, j, 0.0, C, false, j);
            }
            for (int i2 = i; i2 < i + 4; i2++) {
                for (int j = n4; j < n; j++) {
                    C.data[i2 * n + j] = dot4(A, i2, U, j);
                }
            }
        }
        for (int i = m4; i < m; i++) {
            for (int j = 0; j < n; j++) {
                C.data[i * n + j] = dot4(A, i, U, j);
            }
        }
    }

    /**
     * out[i] = aᵢᵀ U aᵢ for the rows of A and an upper-triangular U (zero below the diagonal). With U the upper
     * triangle of a symmetric Φ, off-diagonal doubled, these are the quadratic forms aᵢᵀΦaᵢ, at m·d²/2
     * multiply-adds. The SIMD kernel keeps no m×d intermediate; the scalar path is {@link #multTransBUpper} and a
     * dot per row.
     *
     * @param A   m×d. Not modified.
     * @param U   d×d upper triangular. Not modified.
     * @param out length ≥ m. Modified.
     */
    public static void quadraticFormsUpper(DMatrixRMaj A, DMatrixRMaj U, double[] out) {
        quadraticFormsUpper(A, U, out, VECTORIZED);
    }

    static void quadraticFormsUpper(DMatrixRMaj A, DMatrixRMaj U, double[] out, boolean vectorized) {
        int m = A.numRows;
        int d = A.numCols;
        if (U.numRows != d || U.numCols != d || out.length < m) {
            throw new IllegalArgumentException("quadraticFormsUpper: A " + m + "x" + d + ", U " + U.numRows + "x" + U.numCols
                    + ", out " + out.length);
        }
        if (vectorized) {
            VectorTile.quadraticFormsUpper(A.data, m, d, U.data, out);
            return;
        }
        DMatrixRMaj Y = new DMatrixRMaj(m, d);
        multTransBUpper(A, U, Y);
        for (int i = 0; i < m; i++) {
            out[i] = RowOps.dot(A.data, i * d, Y.data, i * d, d);
        }
    }

    /**
     * C = A·Aᵀ (symmetric), computing each off-diagonal tile once and mirroring it.
     *
     * @param A m×k. Not modified.
     * @param C m×m output; must not be A. Modified.
     */
    public static void multOuter(DMatrixRMaj A, DMatrixRMaj C) {
        if (C == A) {
            throw new IllegalArgumentException("C must not be A");
        }
        int m = A.numRows;
        C.reshape(m, m);
        int m4 = m - m % 4;
        int k = A.numCols;
        if (VECTORIZED && k > OUTER_CHUNK) {
            // long rows (a domain's examples): go through the shared dimension in chunks, so that the rows' chunks
            // stay in cache across all tiles instead of streaming every row from memory once per tile
            for (int from = 0; from < k; from += OUTER_CHUNK) {
                int len = Math.min(OUTER_CHUNK, k - from);
                double gamma = from == 0 ? 0.0 : 1.0;
                for (int i = 0; i < m4; i += 4) {
                    for (int j = i; j < m4; j += 4) {
                        VectorTile.tile(1.0, A.data, i * k + from, k, A.data, j * k + from, k, len, gamma, C.data, i * m + j, m);
                    }
                }
            }
            for (int i = 0; i < m4; i += 4) {
                for (int j = i + 4; j < m4; j += 4) {
                    mirrorTile(C, i, j);
                }
            }
        } else {
            for (int i = 0; i < m4; i += 4) {
                for (int j = i; j < m4; j += 4) {
                    tile(1.0, A, i, A, j, 0.0, C, true);
                }
            }
        }
        for (int i = m4; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = dot4(A, i, A, j);
                C.data[i * m + j] = s;
                C.data[j * m + i] = s;
            }
        }
    }

    /** One 4×4 output tile: rows i..i+3 of A against rows j..j+3 of B. */
    private static void tile(double alpha, DMatrixRMaj A, int i, DMatrixRMaj B, int j, double gamma, DMatrixRMaj C,
                             boolean mirror) {
        tile(alpha, A, i, B, j, gamma, C, mirror, 0);
    }

    /** A tile over the shared dimension from {@code from} on (entries before it are known to contribute 0). */
    private static void tile(double alpha, DMatrixRMaj A, int i, DMatrixRMaj B, int j, double gamma, DMatrixRMaj C,
                             boolean mirror, int from) {
        if (VECTORIZED && A.numCols - from >= 8) {
            VectorTile.tile(alpha, A.data, i * A.numCols + from, A.numCols, B.data, j * B.numCols + from, B.numCols,
                    A.numCols - from, gamma, C.data, i * C.numCols + j, C.numCols);
            if (mirror && i != j) {
                mirrorTile(C, i, j);
            }
            return;
        }
        scalarTile(alpha, A, i, B, j, gamma, C, mirror, from);
    }

    /** The scalar tile: 16 independent accumulators, so the additions pipeline. */
    static void scalarTile(double alpha, DMatrixRMaj A, int i, DMatrixRMaj B, int j, double gamma, DMatrixRMaj C,
                           boolean mirror) {
        scalarTile(alpha, A, i, B, j, gamma, C, mirror, 0);
    }

    private static void scalarTile(double alpha, DMatrixRMaj A, int i, DMatrixRMaj B, int j, double gamma, DMatrixRMaj C,
                                   boolean mirror, int from) {
        int k = A.numCols;
        double[] a = A.data;
        double[] b = B.data;
        int a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        int b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        double c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        double c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int t = from; t < k; t++) {
            double x0 = a[a0 + t], x1 = a[a1 + t], x2 = a[a2 + t], x3 = a[a3 + t];
            double y0 = b[b0 + t], y1 = b[b1 + t], y2 = b[b2 + t], y3 = b[b3 + t];
            c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
            c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
            c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
            c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        store(C, i, j, alpha * c00, gamma); store(C, i, j + 1, alpha * c01, gamma);
        store(C, i, j + 2, alpha * c02, gamma); store(C, i, j + 3, alpha * c03, gamma);
        store(C, i + 1, j, alpha * c10, gamma); store(C, i + 1, j + 1, alpha * c11, gamma);
        store(C, i + 1, j + 2, alpha * c12, gamma); store(C, i + 1, j + 3, alpha * c13, gamma);
        store(C, i + 2, j, alpha * c20, gamma); store(C, i + 2, j + 1, alpha * c21, gamma);
        store(C, i + 2, j + 2, alpha * c22, gamma); store(C, i + 2, j + 3, alpha * c23, gamma);
        store(C, i + 3, j, alpha * c30, gamma); store(C, i + 3, j + 1, alpha * c31, gamma);
        store(C, i + 3, j + 2, alpha * c32, gamma); store(C, i + 3, j + 3, alpha * c33, gamma);
        if (mirror && i != j) {
            mirrorTile(C, i, j);
        }
    }

    private static void mirrorTile(DMatrixRMaj C, int i, int j) {
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                C.data[(j + c) * C.numCols + i + r] = C.data[(i + r) * C.numCols + j + c];
            }
        }
    }

    private static void store(DMatrixRMaj C, int i, int j, double value, double gamma) {
        int idx = i * C.numCols + j;
        C.data[idx] = gamma == 0.0 ? value : gamma * C.data[idx] + value;
    }

    /** Row i of A dotted with row j of B (both k long). */
    private static double dot4(DMatrixRMaj A, int i, DMatrixRMaj B, int j) {
        int k = A.numCols;
        return RowOps.dot(A.data, i * k, B.data, j * k, k);
    }

    private static void checkTransB(DMatrixRMaj A, DMatrixRMaj B, DMatrixRMaj C) {
        if (A.numCols != B.numCols) {
            throw new IllegalArgumentException("A is " + A.numRows + "x" + A.numCols + " but B is " + B.numRows + "x"
                    + B.numCols + ": A·Bᵀ needs equal column counts");
        }
        if (C.numRows != A.numRows || C.numCols != B.numRows) {
            throw new IllegalArgumentException("C is " + C.numRows + "x" + C.numCols + ", expected " + A.numRows + "x" + B.numRows);
        }
        if (C == A || C == B) {
            throw new IllegalArgumentException("C must not be A or B");
        }
    }
}
