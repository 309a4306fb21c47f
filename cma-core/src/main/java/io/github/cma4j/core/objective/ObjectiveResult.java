package io.github.cma4j.core.objective;

import org.ejml.data.DMatrixRMaj;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link DomainObjective} returns for one step: the objective's value, its parts, and its exact gradients.
 * Gradients are of the objective as written (to be <em>minimised</em>); Tribuo's SGD code expects the negated
 * direction.
 */
public final class ObjectiveResult {
    private final double value;
    private final double crossEntropy;
    private final Map<String, Double> terms;
    private final DMatrixRMaj gradW;
    private final DMatrixRMaj gradFeatures;
    private final DMatrixRMaj gradLogits;
    private final boolean resetOptimizer;

    ObjectiveResult(double value, double crossEntropy, Map<String, Double> terms, DMatrixRMaj gradW,
                    DMatrixRMaj gradFeatures, DMatrixRMaj gradLogits, boolean resetOptimizer) {
        this.value = value;
        this.crossEntropy = crossEntropy;
        this.terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
        this.gradW = gradW;
        this.gradFeatures = gradFeatures;
        this.gradLogits = gradLogits;
        this.resetOptimizer = resetOptimizer;
    }

    /** @return the objective's value L. */
    public double value() {
        return value;
    }

    /** @return the cross-entropy (ERM) part of L, in the objective's own CE convention. */
    public double crossEntropy() {
        return crossEntropy;
    }

    /**
     * @return named parts of the objective for logging: each penalty's unweighted value and the weight in force
     * this step (e.g. {@code gradPenalty}, {@code hessPenalty}, {@code alpha}, {@code beta}), in a stable order.
     */
    public Map<String, Double> terms() {
        return terms;
    }

    /** @return ∂L/∂W, C×D. */
    public DMatrixRMaj gradW() {
        return gradW;
    }

    /** @return ∂L/∂X̃, n×D (including any constant-1 bias column), or null if it was not asked for. */
    public DMatrixRMaj gradFeatures() {
        return gradFeatures;
    }

    /** @return ∂L/∂Z, n×C, the gradient w.r.t. the logits, including every penalty's path through them. */
    public DMatrixRMaj gradLogits() {
        return gradLogits;
    }

    /**
     * @return true when the optimiser's state (e.g. Adam's moments) should be reset before applying this step,
     * as DomainBed does at the step where a penalty is switched on.
     */
    public boolean resetOptimizer() {
        return resetOptimizer;
    }

    @Override
    public String toString() {
        return "ObjectiveResult{value=" + value + ", crossEntropy=" + crossEntropy + ", terms=" + terms
                + ", resetOptimizer=" + resetOptimizer + '}';
    }
}
