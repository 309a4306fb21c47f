package io.github.cma4j.finetune;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.cma.GramHessianPenalty;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.objective.DomainObjective;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hybrid step (SameDiff featurizer + cma-core's closed-form gradients + surrogate backprop) against the same
 * objective written entirely in SameDiff ops and differentiated by SameDiff's autodiff, float64: every parameter
 * gradient (featurizer and head) agrees to 1e-6 relative, for ERM, VREx and CMA (full Hessian, Gram form).
 */
@Tag("nd4j")
class HybridGradientTest {
    private static final int N_PER_DOMAIN = 8;
    private static final int DOMAINS = 3;
    private static final int N = N_PER_DOMAIN * DOMAINS;
    private static final int IN = 10;
    private static final int H = 6;
    private static final int C = 3;

    @ParameterizedTest
    @ValueSource(strings = {"ERM", "VREx", "CMA"})
    void hybridGradientsEqualSameDiffAutodiff(String algorithm) {
        Random rng = new Random(5);
        double[] xs = new double[N * IN];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = rng.nextGaussian();
        }
        INDArray x = Nd4j.create(xs, new long[]{N, IN}, DataType.DOUBLE);
        int[] labels = new int[N];
        int[] domains = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = rng.nextInt(C);
            domains[i] = i % DOMAINS;
        }
        DMatrixRMaj W = new DMatrixRMaj(C, H + 1);
        for (int i = 0; i < W.getNumElements(); i++) {
            W.data[i] = rng.nextGaussian() * 0.5;
        }
        double alpha = 3.0, beta = 5.0, vrexLambda = 4.0;
        Map<String, String> hp = switch (algorithm) {
            case "VREx" -> Map.of("vrex_lambda", Double.toString(vrexLambda), "vrex_penalty_anneal_iters", "0");
            case "CMA" -> Map.of("grad_alpha", Double.toString(alpha), "hess_beta", Double.toString(beta),
                    "penalty_anneal_iters", "0", "normalization", "none");
            default -> Map.of();
        };
        DomainObjective objective = Algorithms.create(algorithm, hp, 0);
        MlpFeaturizer featurizer = new MlpFeaturizer(IN, H, DataType.DOUBLE, 9);
        HybridStep.Gradients hybrid = HybridStep.compute(featurizer, x, labels, domains, C, W, objective, 1);

        // the same objective in SameDiff ops, on copies of the same parameters
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", DataType.DOUBLE, N, IN);
        SDVariable w0 = sd.var("w0", featurizer.parameter("w0").dup());
        SDVariable b0 = sd.var("b0", featurizer.parameter("b0").dup());
        SDVariable w1 = sd.var("w1", featurizer.parameter("w1").dup());
        SDVariable b1 = sd.var("b1", featurizer.parameter("b1").dup());
        double[] wf = new double[C * H];
        double[] bh = new double[C];
        for (int k = 0; k < C; k++) {
            for (int j = 0; j < H; j++) {
                wf[k * H + j] = W.get(k, j);
            }
            bh[k] = W.get(k, H);
        }
        SDVariable headW = sd.var("Wf", Nd4j.create(wf, new long[]{C, H}, DataType.DOUBLE));
        SDVariable headB = sd.var("bh", Nd4j.create(bh, new long[]{C}, DataType.DOUBLE));
        SDVariable f = sd.nn().relu(sd.nn().relu(in.mmul(w0).add(b0), 0).mmul(w1).add(b1), 0);
        SDVariable logits = sd.mmul(f, headW, false, true, false).add(headB);
        double[] onehot = new double[N * C];
        for (int i = 0; i < N; i++) {
            onehot[i * C + labels[i]] = 1.0;
        }
        SDVariable y = sd.constant("y", Nd4j.create(onehot, new long[]{N, C}, DataType.DOUBLE));
        SDVariable perExample = sd.nn().logSoftmax(logits).mul(y).sum(1).neg();    // ℓ_i (last dimension: the classes)
        SDVariable loss;
        if (algorithm.equals("VREx")) {
            double[] mask = new double[N * DOMAINS];
            for (int i = 0; i < N; i++) {
                mask[i * DOMAINS + domains[i]] = 1.0 / N_PER_DOMAIN;
            }
            SDVariable m = sd.constant("m", Nd4j.create(mask, new long[]{N, DOMAINS}, DataType.DOUBLE));
            SDVariable domainLoss = perExample.reshape(1, N).mmul(m);                          // L_e
            SDVariable mean = domainLoss.mean();
            SDVariable dev = domainLoss.sub(mean);
            loss = mean.add(dev.mul(dev).mean().mul(vrexLambda));
        } else {
            loss = perExample.mean();
            if (algorithm.equals("CMA")) {
                SDVariable p = sd.nn().softmax(logits, 1);
                SDVariable r = p.sub(y);
                SDVariable k = sd.mmul(f, f, false, true, false).add(1.0);                     // [f;1]·[f';1]
                SDVariable s = sd.mmul(p, p, false, true, false);
                SDVariable q = sd.mmul(p.mul(p), p, false, true, false);
                SDVariable t = s.sub(q).sub(q.permute(1, 0)).add(s.mul(s));
                SDVariable omega = sd.constant("omega", Nd4j.create(GramHessianPenalty.domainWeights(DomainIndex.of(domains)).data,
                        new long[]{N, N}, DataType.DOUBLE));
                SDVariable pGrad = omega.mul(sd.mmul(r, r, false, true, false)).mul(k).sum();
                SDVariable pHess = omega.mul(t).mul(k).mul(k).sum();
                loss = loss.add(pGrad.mul(alpha)).add(pHess.mul(beta));
            }
        }
        sd.setLossVariables(loss);
        Map<String, INDArray> auto = sd.calculateGradients(Map.of("x", x), "w0", "b0", "w1", "b1", "Wf", "bh");
        INDArray value = sd.outputSingle(Map.of("x", x), loss.name());
        assertEquals(value.getDouble(0), hybrid.objective().value(), 1e-9 * Math.abs(value.getDouble(0)), "objective value");

        for (String name : MlpFeaturizer.PARAMETERS) {
            assertClose(algorithm + " " + name, auto.get(name), hybrid.featurizerGradients().get(name));
        }
        DMatrixRMaj gradW = hybrid.objective().gradW();
        double[] gwf = new double[C * H];
        double[] gbh = new double[C];
        for (int kk = 0; kk < C; kk++) {
            for (int j = 0; j < H; j++) {
                gwf[kk * H + j] = gradW.get(kk, j);
            }
            gbh[kk] = gradW.get(kk, H);
        }
        assertClose(algorithm + " Wf", auto.get("Wf"), Nd4j.create(gwf, new long[]{C, H}, DataType.DOUBLE));
        assertClose(algorithm + " bh", auto.get("bh"), Nd4j.create(gbh, new long[]{C}, DataType.DOUBLE));
    }

    private static void assertClose(String what, INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(-1);
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(-1);
        double diff = e.sub(a).norm2Number().doubleValue();
        double scale = Math.max(Math.max(e.norm2Number().doubleValue(), a.norm2Number().doubleValue()), 1e-12);
        assertTrue(diff / scale <= 1e-6, what + ": relative error " + diff / scale);
        assertTrue(e.norm2Number().doubleValue() > 0 || a.norm2Number().doubleValue() == 0, what + ": not all zero");
    }
}
