package io.github.cma4j.finetune;

import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import io.github.cma4j.tribuo.BatchMode;
import io.github.cma4j.tribuo.DomainEvaluation;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.dataset.DatasetView;
import org.tribuo.impl.ArrayExample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fine-tuning trainer on the spurious-feature suite read as 1×4×4 "images" (16 features). */
@Tag("nd4j")
class FineTuningTrainerTest {
    private static final int[] SHAPE = {1, 4, 4};

    @TempDir
    Path dir;

    private static MultiDomainDataset suite() {
        return SpuriousFeatureSuite.build(new SpuriousFeatureSuite.Params(4, 4, 8, new double[]{0.95, 0.8}, 120, 40, 80,
                0.8, 1.0, 1.0, 0.3), 3);
    }

    private static Dataset<Label> domains(MultiDomainDataset data, String prefix) {
        MutableDataset<Label> all = TribuoDatasets.toTribuo(data);
        return DatasetView.createView(all, ex -> ex.getMetadataValue("domain").map(Object::toString).orElse("").startsWith(prefix),
                prefix);
    }

    private static FineTuningTrainer mlp(String algorithm, Map<String, String> hp, BatchMode mode) {
        return new FineTuningTrainer(FineTuningTrainer.Architecture.MLP, SHAPE, algorithm, hp, mode, 32, 60, 0.01, 1e-4, 7)
                .withHidden(12);
    }

    @Test
    void trainsPredictsEvaluatesSavesAndReloads() throws IOException {
        MultiDomainDataset data = suite();
        Dataset<Label> train = domains(data, "train");
        FineTunedModel model = mlp("CMA", Map.of("grad_alpha", "10", "hess_beta", "10", "penalty_anneal_iters", "20"),
                BatchMode.FULL).train(train);
        double accuracy = new LabelEvaluator().evaluate(model, train).accuracy();
        assertTrue(accuracy > 0.8, "fits the training domains: " + accuracy);
        DomainEvaluation perDomain = DomainEvaluation.of(model, train, "domain", null);
        assertEquals(2, perDomain.domainAccuracy().size(), perDomain.toString());
        Prediction<Label> p = model.predict(train.getExample(0));
        assertEquals(1.0, p.getOutputScores().values().stream().mapToDouble(Label::getScore).sum(), 1e-9);
        assertTrue(p.hasProbabilities());

        Path file = dir.resolve("model.ser");
        model.save(file);
        FineTunedModel reloaded = FineTunedModel.load(file);
        List<Prediction<Label>> before = model.predict(train);
        List<Prediction<Label>> after = reloaded.predict(train);
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getOutput().getScore(), after.get(i).getOutput().getScore(), 0.0, "example " + i);
        }
        assertEquals(model.getProvenance(), reloaded.getProvenance());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        Files.writeString(dir.resolve("junk"), "not a model");
        assertThrows(IOException.class, () -> FineTunedModel.load(dir.resolve("junk")));
    }

    /** Provenance → OLCUT configuration → a rebuilt trainer retrains the same head, bit for bit. */
    @Test
    void retrainingFromProvenanceIsIdentical() {
        Dataset<Label> train = domains(suite(), "train");
        FineTunedModel model = mlp("VREx", Map.of("vrex_lambda", "5", "vrex_penalty_anneal_iters", "10"), BatchMode.DOMAIN_BALANCED)
                .train(train);
        List<ConfigurationData> config = ProvenanceUtil.extractConfiguration(model.getProvenance());
        ConfigurationManager cm = new ConfigurationManager();
        cm.addConfiguration(config);
        String name = config.stream().filter(c -> c.getClassName().equals(FineTuningTrainer.class.getName()))
                .findFirst().orElseThrow().getName();
        FineTunedModel again = ((FineTuningTrainer) cm.lookup(name)).train(train);
        assertArrayEquals(model.head(), again.head());
        String prov = model.getProvenance().toString();
        assertTrue(prov.contains("vrex_lambda") && prov.contains("DOMAIN_BALANCED") && prov.contains("imageShape"), prov);
    }

    /** DomainBed's MNIST_CNN behind the same trainer, domain-balanced batches. */
    @Test
    void cnnTrainsWithDomainBalancedBatches() {
        Dataset<Label> train = domains(suite(), "train");
        FineTuningTrainer trainer = new FineTuningTrainer(FineTuningTrainer.Architecture.MNIST_CNN, SHAPE, "CMA",
                Map.of("penalty_anneal_iters", "1", "grad_alpha", "10", "hess_beta", "10"), BatchMode.DOMAIN_BALANCED, 8, 3,
                1e-3, 0, 5);
        FineTunedModel model = trainer.train(train);
        assertEquals(train.getOutputIDInfo().size() * 129, model.head().length, "C × (128 + 1)");
        assertEquals(train.size(), model.predict(train).size());
    }

    @Test
    void badInputIsNamed() {
        MultiDomainDataset data = suite();
        Dataset<Label> train = domains(data, "train");
        FineTuningTrainer wrongShape = new FineTuningTrainer(FineTuningTrainer.Architecture.MLP, new int[]{1, 3, 3}, "ERM",
                Map.of(), BatchMode.FULL, 1, 2, 1e-3, 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrongShape.train(train));
        assertTrue(e.getMessage().startsWith("example 0 has feature 'f0009'") && e.getMessage().contains("wrong shape"),
                e.getMessage());

        MutableDataset<Label> noDomain = new MutableDataset<>(train.getProvenance(), new org.tribuo.classification.LabelFactory());
        Example<Label> ex = new ArrayExample<>(new Label("0"), new String[]{"f0000"}, new double[]{1});
        noDomain.add(ex);
        e = assertThrows(IllegalArgumentException.class, () -> mlp("ERM", Map.of(), BatchMode.FULL).train(noDomain));
        assertTrue(e.getMessage().startsWith("example 0 has no 'domain' metadata"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> mlp("ERM", Map.of(), BatchMode.POOLED));
        assertTrue(e.getMessage().contains("FULL or DOMAIN_BALANCED"), e.getMessage());

        FineTuner tuner = new FineTuner(new MlpFeaturizer(3, 4, DataType.DOUBLE, 1), 2, Algorithms.create("ERM", Map.of(), 0),
                io.github.cma4j.core.optim.Adam.of(1e-3, 0), 1);
        tuner.expectDomains(List.of("site-a", "site-b"));
        e = assertThrows(IllegalArgumentException.class,
                () -> tuner.step(Nd4j.rand(DataType.DOUBLE, 4, 3), new int[]{0, 1, 0, 1}, new int[]{0, 0, 0, 0}, 12));
        assertEquals("step 12: training domain 'site-b' has no examples in this batch", e.getMessage());

        FineTunedModel model = mlp("ERM", Map.of(), BatchMode.FULL).train(train);
        Example<Label> bigger = new ArrayExample<>(new Label("0"), new String[]{"f0000", "f0016"}, new double[]{1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> model.predict(bigger));
        assertTrue(e.getMessage().startsWith("example 0 has feature 'f0016'"), e.getMessage());
    }

    /** Scores of every example, to compare two models exactly. */
    private static List<Double> scores(FineTunedModel model, Dataset<Label> data) {
        List<Double> out = new java.util.ArrayList<>();
        for (Prediction<Label> p : model.predict(data)) {
            p.getOutputScores().values().forEach(l -> out.add(l.getScore()));
        }
        return out;
    }

    /**
     * A run killed after a checkpoint and started again with the same settings continues from it: the model is
     * bit-identical to an uninterrupted run's, for an objective with state (GroupDRO's weights), one whose warm-up
     * resets Adam after the checkpoint (CMA), and the CNN.
     */
    @Test
    void aRunKilledAfterACheckpointResumesBitIdentically() {
        Dataset<Label> train = domains(suite(), "train");
        record Case(FineTuningTrainer.Architecture architecture, String algorithm, Map<String, String> hp, int steps) {
        }
        for (Case c : List.of(new Case(FineTuningTrainer.Architecture.MLP, "GroupDRO", Map.of("groupdro_eta", "0.5"), 60),
                new Case(FineTuningTrainer.Architecture.MLP, "CMA", Map.of("penalty_anneal_iters", "40"), 60),
                new Case(FineTuningTrainer.Architecture.MNIST_CNN, "CMA", Map.of("penalty_anneal_iters", "0"), 12))) {
            java.util.function.Supplier<FineTuningTrainer> trainer = () -> new FineTuningTrainer(c.architecture(), SHAPE,
                    c.algorithm(), c.hp(), BatchMode.DOMAIN_BALANCED, 16, c.steps(), 0.01, 1e-4, 7).withHidden(12);
            List<Double> expected = scores(trainer.get().train(train), train);

            Path checkpoints = dir.resolve(c.architecture() + "-" + c.algorithm());
            int every = c.steps() / 4;
            int killAt = 2 * every + every / 2;          // after the second checkpoint, before the third
            FineTuningTrainer killed = trainer.get().withCheckpoints(checkpoints, every);
            killed.setStepListener((step, total, tuner, report) -> {
                if (step == killAt) {
                    throw new IllegalStateException("killed");
                }
            });
            assertThrows(IllegalStateException.class, () -> killed.train(train));
            int[] firstStep = {-1};
            FineTuningTrainer resumed = trainer.get().withCheckpoints(checkpoints, every).setStepListener((step, total, tuner, report) -> {
                if (firstStep[0] < 0) {
                    firstStep[0] = step;
                }
            });
            List<Double> actual = scores(resumed.train(train), train);
            assertEquals(2 * every, firstStep[0], c + ": resumed from the second checkpoint");
            assertEquals(expected, actual, c + ": bit-identical to the uninterrupted run");
        }
    }
}
