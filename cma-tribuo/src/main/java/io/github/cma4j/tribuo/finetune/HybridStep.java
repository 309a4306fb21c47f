package io.github.cma4j.tribuo.finetune;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * One gradient computation of fine-tuning: featurizer forward → F → cma-core's objective on X̃ = [F | 1] gives the
 * value and the exact ∂L/∂W and ∂L/∂X̃ → the bias column is dropped and ∂L/∂F backpropagated into the featurizer
 * through the surrogate Σ F∘G ({@link MlpFeaturizer}). Every algorithm of the registry works unchanged, because
 * each returns exact feature gradients.
 */
public final class HybridStep {
    private HybridStep() {
    }

    /**
     * The gradients of one step.
     *
     * @param objective          the objective's value, terms, ∂L/∂W (classes × (h+1), bias last) and reset flag.
     * @param featurizerGradients parameter name → ∂L/∂parameter.
     */
    public record Gradients(ObjectiveResult objective, Map<String, INDArray> featurizerGradients) {
    }

    /**
     * @param featurizer the featurizer.
     * @param x          inputs, n × input width.
     * @param labels     n labels.
     * @param domains    n domain ids.
     * @param numClasses C.
     * @param W          head, C × (h+1), bias last.
     * @param objective  any registry objective.
     * @param step       training step.
     * @return the objective and every gradient.
     */
    public static Gradients compute(MlpFeaturizer featurizer, INDArray x, int[] labels, int[] domains, int numClasses,
                                    DMatrixRMaj W, DomainObjective objective, long step) {
        INDArray f = featurizer.features(x).castTo(DataType.DOUBLE);
        int n = (int) f.size(0);
        int h = (int) f.size(1);
        double[] flat = f.dup('c').data().asDouble();      // row-major n × h
        DMatrixRMaj features = new DMatrixRMaj(n, h + 1);
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * h, features.data, i * (h + 1), h);
            features.data[i * (h + 1) + h] = 1.0;
        }
        ObjectiveResult result = objective.evaluate(new HeadBatch(features, labels, domains, numClasses, h), W, step, true);
        double[] upstream = new double[n * h];
        DMatrixRMaj gradX = result.gradFeatures();
        for (int i = 0; i < n; i++) {
            System.arraycopy(gradX.data, i * (h + 1), upstream, i * h, h);       // drop the bias column
        }
        INDArray g = Nd4j.create(upstream, new long[]{n, h}, DataType.DOUBLE);
        return new Gradients(result, featurizer.parameterGradients(x, g));
    }
}
