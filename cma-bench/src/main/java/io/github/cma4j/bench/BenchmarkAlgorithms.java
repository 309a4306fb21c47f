package io.github.cma4j.bench;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.HashMap;
import java.util.Map;

/**
 * Value plus all gradients (W and features) of every registered algorithm at the shapes of
 * {@link BenchmarkCmaObjective}, with default hyperparameters and every penalty switched on (anneal 0).
 */
@State(Scope.Thread)
public class BenchmarkAlgorithms {

    /** Shapes, as in BenchmarkCmaObjective. */
    @Param({"S1", "S2", "S3", "S4", "S5"})
    public String shape;

    /** Registry name (JMH needs the values in the annotation; -p algorithm=NAME runs any other). */
    @Param({"ERM", "IRM", "VREx", "CORAL", "Fishr", "HGP", "Hutchinson", "GroupDRO", "CMA", "CMA-diag", "SD", "MMD"})
    public String algorithm;

    private HeadBatch batch;
    private DMatrixRMaj W;
    private DomainObjective objective;
    private long step;

    @Setup
    public void setup() {
        Object[] batchAndHead = BenchmarkCmaObjective.randomBatch(shape);
        batch = (HeadBatch) batchAndHead[0];
        W = (DMatrixRMaj) batchAndHead[1];
        Map<String, String> penaltiesOn = new HashMap<>();      // every warm-up at 0: the penalties run from step 1
        Algorithms.get(algorithm).annealKeys().forEach(key -> penaltiesOn.put(key, "0"));
        objective = Algorithms.create(algorithm, penaltiesOn, 1L);
    }

    @Benchmark
    public ObjectiveResult valueAndAllGradients() {
        return objective.evaluate(batch, W, ++step, true);
    }
}
