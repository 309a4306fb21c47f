package io.github.cma4j.finetune;

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
 * through the surrogate Σ F∘G ({@link Featurizer}). Every algorithm of the registry works unchanged, because
 * each returns exact feature gradients.
 */
public final class HybridStep {
    // buffers reused while the batch size stays the same: at the IRM protocol's 50,000 × 257 fresh arrays every step
    // cost as much as the arithmetic
    private DMatrixRMaj features;
    private INDArray upstream;

    /** A step with its own reusable buffers (one per training loop; not thread-safe). */
    public HybridStep() {
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
    public static Gradients compute(Featurizer featurizer, INDArray x, int[] labels, int[] domains, int numClasses,
                                    DMatrixRMaj W, DomainObjective objective, long step) {
        return new HybridStep().gradients(featurizer, x, labels, domains, numClasses, W, objective, step);
    }

    /**
     * As {@link #compute}, reusing this instance's buffers.
     *
     * @param featurizer the featurizer.
     * @param x          inputs, n × input width.
     * @param labels     n labels.
     * @param domains    n domain ids.
     * @param numClasses C.
     * @param W          head, C × (h+1), bias last.
     * @param objective  any registry objective.
     * @param step       training step.
     * @return the objective and every gradient (featurizer gradients may be overwritten by the next step).
     */
    public Gradients gradients(Featurizer featurizer, INDArray x, int[] labels, int[] domains, int numClasses,
                               DMatrixRMaj W, DomainObjective objective, long step) {
        INDArray f = featurizer.forward(x);
        int n = (int) f.size(0);
        int h = (int) f.size(1);
        if (features == null || features.numRows != n || features.numCols != h + 1
                || upstream.dataType() != featurizer.dataType()) {
            features = new DMatrixRMaj(n, h + 1);
            upstream = Nd4j.create(featurizer.dataType(), n, h);
        }
        copyFeatures(f.isView() || f.ordering() != 'c' ? f.dup('c') : f, features);
        ObjectiveResult result = objective.evaluate(new HeadBatch(features, labels, domains, numClasses, h), W, step, true);
        copyUpstream(result.gradFeatures(), upstream);
        return new Gradients(result, featurizer.backward(upstream));
    }

    /** [F | 1] into a row-major double matrix, read through a view of F's own memory (no intermediate copy). */
    private static void copyFeatures(INDArray f, DMatrixRMaj out) {
        int n = out.numRows;
        int h = out.numCols - 1;
        double[] data = out.data;
        if (f.dataType() == DataType.FLOAT) {
            java.nio.FloatBuffer view = f.data().asNioFloat();
            for (int i = 0; i < n; i++) {
                int row = i * (h + 1);
                for (int j = 0; j < h; j++) {
                    data[row + j] = view.get(i * h + j);
                }
                data[row + h] = 1.0;
            }
        } else {
            java.nio.DoubleBuffer view = f.castTo(DataType.DOUBLE).data().asNioDouble();
            for (int i = 0; i < n; i++) {
                view.get(i * h, data, i * (h + 1), h);
                data[i * (h + 1) + h] = 1.0;
            }
        }
    }

    /** ∂L/∂X̃ without its bias column into the featurizer's type. */
    private static void copyUpstream(DMatrixRMaj gradX, INDArray out) {
        int n = gradX.numRows;
        int h = gradX.numCols - 1;
        if (out.dataType() == DataType.FLOAT) {
            java.nio.FloatBuffer view = out.data().asNioFloat();
            for (int i = 0; i < n; i++) {
                int row = i * (h + 1);
                for (int j = 0; j < h; j++) {
                    view.put(i * h + j, (float) gradX.data[row + j]);
                }
            }
        } else {
            java.nio.DoubleBuffer view = out.data().asNioDouble();
            for (int i = 0; i < n; i++) {
                view.put(i * h, gradX.data, i * (h + 1), h);
            }
        }
    }
}
