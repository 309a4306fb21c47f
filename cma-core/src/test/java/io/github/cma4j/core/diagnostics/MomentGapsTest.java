package io.github.cma4j.core.diagnostics;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.head.SoftmaxOps;
import io.github.cma4j.core.testing.RandomCase;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The diagnostics against brute force: materialised Hessians and EJML's eigen-decomposition. */
class MomentGapsTest {

    private static double[] eigenvalues(DMatrixRMaj m) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m.numRows, false, true);
        assertTrue(eig.decompose(m.copy()));
        double[] out = new double[m.numRows];
        for (int i = 0; i < out.length; i++) {
            out[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(out);
        return out;
    }

    @Test
    void exactValuesAgainstMaterialisedHessians() {
        RandomCase rc = RandomCase.of(81, 3, 4, 7, 9, 6);
        HeadBatch batch = rc.batch();
        DMatrixRMaj W = rc.W();
        int[] reference = {0, 1};        // slot 2 plays the test domain
        MomentGaps.Result r = MomentGaps.of(batch, W, reference, 1L);
        DMatrixRMaj P = SoftmaxOps.softmax(SoftmaxOps.logits(batch.features(), W, null), null);
        int numDomains = batch.index().numDomains();
        DMatrixRMaj[] H = new DMatrixRMaj[numDomains];
        DMatrixRMaj[] g = new DMatrixRMaj[numDomains];
        for (int e = 0; e < numDomains; e++) {
            H[e] = HeadDerivatives.hessian(batch.features(), P, batch.index().rows(e), null);
            g[e] = HeadDerivatives.headGradient(batch.features(), P, batch.labels(), batch.index().rows(e), null);
        }
        DMatrixRMaj hMean = new DMatrixRMaj(H[0].numRows, H[0].numCols);
        DMatrixRMaj gMean = new DMatrixRMaj(W.numRows, W.numCols);
        for (int s : reference) {
            CommonOps_DDRM.addEquals(hMean, 0.5, H[s]);
            CommonOps_DDRM.addEquals(gMean, 0.5, g[s]);
        }
        int c = W.numRows;
        int d = W.numCols;
        // projector onto class-mean-free directions, vec index k·D + j
        DMatrixRMaj proj = CommonOps_DDRM.identity(c * d);
        for (int k = 0; k < c; k++) {
            for (int l = 0; l < c; l++) {
                for (int j = 0; j < d; j++) {
                    proj.add(k * d + j, l * d + j, -1.0 / c);
                }
            }
        }
        for (int e = 0; e < numDomains; e++) {
            MomentGaps.Domain dom = r.domains().get(e);
            DMatrixRMaj diff = H[e].copy();
            CommonOps_DDRM.subtractEquals(diff, hMean);
            assertEquals(CommonOps_DDRM.elementSum(elementSquare(diff)), dom.hessianGap() * dom.hessianGap(), 1e-10, "‖H_e − H̄‖_F²");
            double[] gapEig = eigenvalues(diff);
            double spectral = Math.max(Math.abs(gapEig[0]), Math.abs(gapEig[gapEig.length - 1]));
            assertEquals(spectral, dom.hessianGapNorm2(), 1e-6 * spectral, "‖H_e − H̄‖₂");
            double[] hEig = eigenvalues(H[e]);
            assertEquals(hEig[hEig.length - 1], dom.maxEigenvalue(), 1e-6 * hEig[hEig.length - 1], "λ_max");
            DMatrixRMaj restricted = new DMatrixRMaj(c * d, c * d);
            DMatrixRMaj tmp = new DMatrixRMaj(c * d, c * d);
            CommonOps_DDRM.mult(proj, H[e], tmp);
            CommonOps_DDRM.mult(tmp, proj, restricted);
            double[] rEig = eigenvalues(restricted);
            assertEquals(rEig[d], dom.minEigenvalue(), 1e-6 * hEig[hEig.length - 1], "λ_min off the D null directions 1 uᵀ");
            DMatrixRMaj gd = g[e].copy();
            CommonOps_DDRM.subtractEquals(gd, gMean);
            assertEquals(Math.sqrt(CommonOps_DDRM.elementSum(elementSquare(gd))), dom.gradientGap(), 1e-12);
            for (int f = 0; f < numDomains; f++) {
                DMatrixRMaj hd = H[e].copy();
                CommonOps_DDRM.subtractEquals(hd, H[f]);
                assertEquals(Math.sqrt(CommonOps_DDRM.elementSum(elementSquare(hd))), r.hessianDistances()[e][f], 1e-9);
            }
        }
    }

    private static DMatrixRMaj elementSquare(DMatrixRMaj m) {
        DMatrixRMaj s = m.copy();
        CommonOps_DDRM.elementMult(s, m);
        return s;
    }

    @Test
    void identicalDomainsHaveNoGaps() {
        RandomCase one = RandomCase.of(82, 3, 5, 8);
        int n = one.labels().length;
        DMatrixRMaj X = new DMatrixRMaj(2 * n, one.X().numCols);
        int[] y = new int[2 * n];
        int[] dom = new int[2 * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < X.numCols; j++) {
                X.set(i, j, one.X().get(i, j));
                X.set(n + i, j, one.X().get(i, j));
            }
            y[i] = y[n + i] = one.labels()[i];
            dom[n + i] = 1;
        }
        MomentGaps.Result r = MomentGaps.of(new HeadBatch(X, y, dom, 3), one.W(), null, 2L);
        for (MomentGaps.Domain d : r.domains()) {
            assertEquals(0.0, d.gradientGap(), 1e-12);
            assertEquals(0.0, d.hessianGap(), 1e-7);
            assertEquals(0.0, d.hessianGapNorm2(), 1e-9);
            assertTrue(d.maxEigenvalue() > 0);
        }
    }
}
