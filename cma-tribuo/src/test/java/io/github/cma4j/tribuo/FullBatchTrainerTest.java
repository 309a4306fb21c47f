package io.github.cma4j.tribuo;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.optim.FullBatch;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.math.la.DenseMatrix;

import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code withLbfgs}: the Tribuo trainer gives the model of cma-core's full-batch L-BFGS on the same rows. */
class FullBatchTrainerTest {
    private static final Map<String, String> CMA = Map.of("grad_alpha", "10", "hess_beta", "10", "penalty_anneal_iters", "5",
            "normalization", "isr");

    @Test
    void lbfgsTrainerEqualsFullBatchTrainOnTheSameRows() {
        MultiDomainDataset data = DomainLinearSGDTrainerTest.suite(1);
        Dataset<Label> train = DomainLinearSGDTrainerTest.train(data);
        DomainLinearSGDTrainer trainer = new DomainLinearSGDTrainer("CMA", CMA, new AdamOptimiser(0.05), 1, 64, BatchMode.POOLED,
                true, 3).withLbfgs(300, 1e-10);
        LinearSGDModel model = trainer.train(train);

        ImmutableFeatureMap features = train.getFeatureIDMap();
        int numFeatures = features.size();
        int c = train.getOutputIDInfo().size();
        DomainData rows = DomainData.densify(train, "domain", features::getID, numFeatures + 1, false, train.getOutputIDInfo());
        rows.fillColumn(numFeatures, 1.0);
        HeadBatch batch = rows.batch(IntStream.range(0, rows.size()).toArray(), c, numFeatures);
        FullBatch.Result local = FullBatch.train("CMA", CMA, batch, new FullBatch.Settings("lbfgs", 300, 1e-10, 10, 1e-3));
        DenseMatrix w = model.getWeightsCopy();
        for (int k = 0; k < c; k++) {
            for (int j = 0; j <= numFeatures; j++) {
                assertEquals(local.w()[k * (numFeatures + 1) + j], w.get(k, j), 1e-9, "W[" + k + "," + j + "]");
            }
        }
        assertEquals(local.values().length, trainer.lastTrainingLog().size());
        assertTrue(trainer.lastTrainingLog().get(trainer.lastTrainingLog().size() - 1).value() < trainer.lastTrainingLog().get(0).value());
    }

    @Test
    void objectivesALineSearchCannotOptimiseAreRefused() {
        DomainLinearSGDTrainer dro = new DomainLinearSGDTrainer("GroupDRO", Map.of(), new AdamOptimiser(0.05), 1, 64,
                BatchMode.POOLED, true, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dro.withLbfgs(10, 1e-6));
        assertTrue(e.getMessage().contains("GroupDRO"), e.getMessage());
    }
}
