package io.github.cma4j.core.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.RandomMatrices_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiled kernels against EJML, over shapes that exercise every remainder path. */
class TiledOpsTest {
    private final Random rng = new Random(7);

    @Test
    void multTransBMatchesEjml() {
        int checked = 0;
        for (int m : new int[]{1, 3, 4, 9, 17}) {
            for (int n : new int[]{1, 2, 4, 7, 13}) {
                for (int k : new int[]{1, 5, 33}) {
                    DMatrixRMaj A = RandomMatrices_DDRM.rectangle(m, k, -1, 1, rng);
                    DMatrixRMaj B = RandomMatrices_DDRM.rectangle(n, k, -1, 1, rng);
                    DMatrixRMaj C0 = RandomMatrices_DDRM.rectangle(m, n, -1, 1, rng);
                    DMatrixRMaj expected = C0.copy();
                    CommonOps_DDRM.scale(0.5, expected);
                    CommonOps_DDRM.multAddTransB(-2.0, A, B, expected);
                    DMatrixRMaj actual = C0.copy();
                    TiledOps.multTransB(-2.0, A, B, 0.5, actual);
                    assertClose(m + "x" + n + "x" + k, expected, actual, 1e-14);
                    DMatrixRMaj overwrite = new DMatrixRMaj(m, n);
                    java.util.Arrays.fill(overwrite.data, Double.NaN);
                    TiledOps.multTransB(1.0, A, B, 0.0, overwrite);
                    DMatrixRMaj plain = new DMatrixRMaj(m, n);
                    CommonOps_DDRM.multTransB(A, B, plain);
                    assertClose("gamma=0 ignores old content", plain, overwrite, 1e-14);
                    checked++;
                }
            }
        }
        assertEquals(75, checked);
    }

    @Test
    void multOuterMatchesEjml() {
        // k beyond TiledOps.OUTER_CHUNK exercises the chunked SIMD path (accumulating tiles, mirrored at the end)
        for (int k : new int[]{23, TiledOps.OUTER_CHUNK, TiledOps.OUTER_CHUNK + 1, 3 * TiledOps.OUTER_CHUNK + 37}) {
            for (int m : new int[]{1, 4, 5, 8, 11, 96}) {
                DMatrixRMaj A = RandomMatrices_DDRM.rectangle(m, k, -1, 1, rng);
                DMatrixRMaj expected = new DMatrixRMaj(m, m);
                CommonOps_DDRM.multOuter(A, expected);
                DMatrixRMaj actual = new DMatrixRMaj(1, 1);
                TiledOps.multOuter(A, actual);
                assertClose("m=" + m + " k=" + k, expected, actual, 1e-14 * k);
            }
        }
    }

    /** The SIMD and the scalar tile agree (to summation order and FMA rounding), including k below one vector. */
    @Test
    void vectorAndScalarTilesAgree() {
        assertTrue(TiledOps.VECTORIZED, "the build runs tests with --add-modules jdk.incubator.vector");
        for (int k : new int[]{1, 7, 8, 9, 33, 250}) {
            DMatrixRMaj A = RandomMatrices_DDRM.rectangle(4, k, -1, 1, rng);
            DMatrixRMaj B = RandomMatrices_DDRM.rectangle(4, k, -1, 1, rng);
            DMatrixRMaj scalar = new DMatrixRMaj(4, 4);
            TiledOps.scalarTile(1.0, A, 0, B, 0, 0.0, scalar, false);
            DMatrixRMaj vector = new DMatrixRMaj(4, 4);
            VectorTile.tile(1.0, A.data, 0, k, B.data, 0, k, k, 0.0, vector.data, 0, 4);
            assertClose("k=" + k, scalar, vector, 1e-14);
        }
    }

    @Test
    void upperTriangularProductSkipsOnlyZeros() {
        for (int n : new int[]{1, 5, 8, 13, 40}) {
            DMatrixRMaj A = RandomMatrices_DDRM.rectangle(9, n, -1, 1, rng);
            DMatrixRMaj U = RandomMatrices_DDRM.rectangle(n, n, -1, 1, rng);
            for (int j = 0; j < n; j++) {
                for (int t = 0; t < j; t++) {
                    U.set(j, t, 0.0);
                }
            }
            DMatrixRMaj expected = new DMatrixRMaj(9, n);
            CommonOps_DDRM.multTransB(A, U, expected);
            DMatrixRMaj actual = new DMatrixRMaj(9, n);
            TiledOps.multTransBUpper(A, U, actual);
            assertClose("n=" + n, expected, actual, 1e-14);
        }
    }

    /** aᵢᵀUaᵢ by both paths against a plain double loop, for row counts and widths around the SIMD block sizes. */
    @Test
    void quadraticFormsMatchTheDefinition() {
        for (int m : new int[]{1, 3, 4, 7, 9}) {
            for (int d : new int[]{1, 5, 8, 9, 16, 17, 101}) {
                DMatrixRMaj A = RandomMatrices_DDRM.rectangle(m, d, -1, 1, rng);
                DMatrixRMaj U = RandomMatrices_DDRM.rectangle(d, d, -1, 1, rng);
                for (int j = 0; j < d; j++) {
                    for (int t = 0; t < j; t++) {
                        U.set(j, t, 0.0);
                    }
                }
                for (boolean vectorized : TiledOps.VECTORIZED ? new boolean[]{true, false} : new boolean[]{false}) {
                    double[] q = new double[m + 1];
                    q[m] = 42.0;
                    TiledOps.quadraticFormsUpper(A, U, q, vectorized);
                    for (int i = 0; i < m; i++) {
                        double expected = 0;
                        for (int j = 0; j < d; j++) {
                            for (int t = 0; t < d; t++) {
                                expected += A.get(i, j) * U.get(j, t) * A.get(i, t);
                            }
                        }
                        assertEquals(expected, q[i], 1e-12 * Math.max(1, Math.abs(expected)),
                                "m=" + m + " d=" + d + " row " + i + " vectorized=" + vectorized);
                    }
                    assertEquals(42.0, q[m], "writes only m entries");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TiledOps.quadraticFormsUpper(new DMatrixRMaj(2, 3),
                new DMatrixRMaj(3, 4), new double[2]));
    }

    @Test
    void shapeMismatchesAreNamed() {
        DMatrixRMaj A = new DMatrixRMaj(3, 4);
        assertThrows(IllegalArgumentException.class, () -> TiledOps.multTransB(1, A, new DMatrixRMaj(2, 5), 0, new DMatrixRMaj(3, 2)));
        assertThrows(IllegalArgumentException.class, () -> TiledOps.multTransB(1, A, new DMatrixRMaj(2, 4), 0, new DMatrixRMaj(3, 3)));
        assertThrows(IllegalArgumentException.class, () -> TiledOps.multOuter(A, A));
    }
}
