package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.CrossEntropyMode;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.List;
import java.util.Map;

/**
 * Empirical risk minimisation: mean cross-entropy over the concatenated batch, no regularizer (docs/math.md §8.1).
 */
public final class ErmObjective implements DomainObjective {
    /** Registry name. */
    public static final String NAME = "ERM";
    /** Registry entry. */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME, "empirical risk minimisation (pooled cross-entropy)",
            new HyperparameterSpace(List.of()), (hp, seed) -> new ErmObjective(), List.of(), Map.of());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        HeadPass pass = new HeadPass(batch, W, featureGradients);
        double ce = pass.addCrossEntropy(CrossEntropyMode.POOLED, 1.0);
        return pass.finish(ce, ce, Map.of("crossEntropy", ce), false);
    }
}
