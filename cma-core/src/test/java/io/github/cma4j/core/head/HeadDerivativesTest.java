package io.github.cma4j.core.head;

import io.github.cma4j.core.testing.GradientCheck;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.github.cma4j.core.testing.GradientCheck.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-domain closed forms against finite differences and against each other. */
class HeadDerivativesTest {

    private static double domainLoss(RandomCase rc, DMatrixRMaj W, int[] rows) {
        DMatrixRMaj Z = SoftmaxOps.logits(rc.X(), W, null);
        double[] losses = SoftmaxOps.crossEntropyPerExample(Z, rc.labels(), null);
        double s = 0;
        for (int i : rows) {
            s += losses[i];
        }
        return s / rows.length;
    }

    @Test
    void headGradientIsTheGradientOfTheDomainLoss() {
        for (RandomCase rc : new RandomCase[]{RandomCase.of(1, 2, 9, 6, 10), RandomCase.of(2, 7, 13, 5, 8, 3)}) {
            HeadBatch b = rc.batch();
            DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
            for (int e = 0; e < b.index().numDomains(); e++) {
                int[] rows = b.index().rows(e);
                DMatrixRMaj g = HeadDerivatives.headGradient(rc.X(), P, rc.labels(), rows, null);
                DMatrixRMaj fd = GradientCheck.numerical(w -> domainLoss(rc, w, rows), rc.W());
                assertClose("G_e", fd, g, 1e-7);
            }
        }
    }

    @Test
    void hessianIsTheJacobianOfTheGradient() {
        RandomCase rc = RandomCase.of(3, 3, 4, 7, 5);
        HeadBatch b = rc.batch();
        int[] rows = b.index().rows(1);
        int c = 3;
        int d = 4;
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
        DMatrixRMaj H = HeadDerivatives.hessian(rc.X(), P, rows, null);
        for (int col = 0; col < c * d; col++) {
            final int entry = col;
            DMatrixRMaj fdCol = new DMatrixRMaj(c * d, 1);
            for (int row = 0; row < c * d; row++) {
                final int r = row;
                DMatrixRMaj point = new DMatrixRMaj(1, 1, true, rc.W().data[entry]);
                double v = GradientCheck.numerical(x -> {
                    DMatrixRMaj W = rc.W().copy();
                    W.data[entry] = x.data[0];
                    DMatrixRMaj Pw = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), W, null), null);
                    return HeadDerivatives.headGradient(rc.X(), Pw, rc.labels(), rows, null).data[r];
                }, point).data[0];
                fdCol.data[row] = v;
            }
            DMatrixRMaj hCol = CommonOps_DDRM.extractColumn(H, col, null);
            assertClose("H_e column " + col, fdCol, hCol, 1e-7);
        }
        assertTrue(org.ejml.dense.row.MatrixFeatures_DDRM.isSymmetric(H, 1e-14), "H_e is symmetric");
    }

    @Test
    void diagonalAndHessianVectorProductMatchTheMaterializedHessian() {
        RandomCase rc = RandomCase.of(4, 5, 6, 9, 4, 7);
        HeadBatch b = rc.batch();
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(rc.X(), rc.W(), null), null);
        Random rng = new Random(5);
        for (int e = 0; e < b.index().numDomains(); e++) {
            int[] rows = b.index().rows(e);
            DMatrixRMaj H = HeadDerivatives.hessian(rc.X(), P, rows, null);
            DMatrixRMaj diag = HeadDerivatives.hessianDiagonal(rc.X(), P, rows, null);
            DMatrixRMaj expectedDiag = new DMatrixRMaj(5, 6);
            for (int idx = 0; idx < 30; idx++) {
                expectedDiag.data[idx] = H.get(idx, idx);
            }
            assertClose("diag(H_e)", expectedDiag, diag, 1e-13);

            DMatrixRMaj V = new DMatrixRMaj(5, 6);
            for (int idx = 0; idx < 30; idx++) {
                V.data[idx] = rng.nextGaussian();
            }
            DMatrixRMaj hv = HeadDerivatives.hessianVectorProduct(rc.X(), P, rows, V, null);
            DMatrixRMaj expected = new DMatrixRMaj(30, 1);
            CommonOps_DDRM.mult(H, new DMatrixRMaj(30, 1, true, V.data), expected);
            assertClose("H_e[V]", new DMatrixRMaj(5, 6, true, expected.data), hv, 1e-13);
        }
    }

    @Test
    void softmaxIsStableForHugeLogits() {
        DMatrixRMaj Z = new DMatrixRMaj(new double[][]{{1000, 0, -1000}, {-800, -799, -801}});
        DMatrixRMaj P = SoftmaxOps.softmax(Z, null);
        assertEquals(1.0, P.get(0, 0), 1e-15);
        DMatrixRMaj logP = SoftmaxOps.logSoftmax(Z, null);
        assertEquals(-2000.0, logP.get(0, 2), 1e-9);
        double[] ce = SoftmaxOps.crossEntropyPerExample(Z, new int[]{2, 1}, null);
        assertEquals(2000.0, ce[0], 1e-9);
        assertTrue(Double.isFinite(ce[1]) && ce[1] > 0);
        assertEquals(Math.log(P.get(1, 1)), -ce[1], 1e-12);
    }
}
