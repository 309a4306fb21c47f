package io.github.cma4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.dataset.DatasetView;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainLinearSGDTrainerTest {
    @TempDir
    Path dir;

    static MultiDomainDataset suite(long seed) {
        return SpuriousFeatureSuite.build(new SpuriousFeatureSuite.Params(3, 3, 4, new double[]{0.95, 0.8}, 300, 200, 400,
                0.5, 1.0, 1.0, 0.3), seed);
    }

    /** The training domains of the suite as a Tribuo dataset. */
    static Dataset<Label> train(MultiDomainDataset data) {
        MutableDataset<Label> all = TribuoDatasets.toTribuo(data);
        return DatasetView.createView(all, ex -> ex.getMetadataValue("domain").map(Object::toString).orElse("").startsWith("train"),
                "train");
    }

    static Dataset<Label> split(MultiDomainDataset data, String domain) {
        MutableDataset<Label> all = TribuoDatasets.toTribuo(data);
        return DatasetView.createView(all, ex -> domain.equals(ex.getMetadataValue("domain").map(Object::toString).orElse(null)), domain);
    }

    private static DomainLinearSGDTrainer cma(long seed) {
        return new DomainLinearSGDTrainer("CMA", Map.of("grad_alpha", "10", "hess_beta", "10", "penalty_anneal_iters", "5",
                "normalization", "isr"), new AdamOptimiser(0.05), 5, 64, BatchMode.POOLED, true, seed);
    }

    @Test
    void returnsAStandardLinearSgdModelThatTribuoUnderstands() throws Exception {
        MultiDomainDataset data = suite(1);
        DomainLinearSGDTrainer trainer = cma(3);
        LinearSGDModel model = trainer.train(train(data));
        assertTrue(new LabelEvaluator().evaluate(model, split(data, "test")).accuracy() > 0.6);
        assertEquals(10, model.getTopFeatures(10).get("1").size());
        Path file = dir.resolve("model.tribuo");
        model.serializeToFile(file);
        Model<?> back = Model.deserializeFromFile(file);
        assertArrayEquals(model.getWeightsCopy().toArray(), ((LinearSGDModel) back).getWeightsCopy().toArray());
        assertFalse(trainer.lastTrainingLog().isEmpty());
        // annealing at step 5: before it no penalty terms, from it on both
        assertFalse(trainer.lastTrainingLog().get(0).terms().containsKey("hessPenalty"));
        assertTrue(trainer.lastTrainingLog().get(6).terms().containsKey("hessPenalty"));
        String prov = model.getProvenance().toString();
        assertTrue(prov.contains("grad_alpha") && prov.contains("domainKey") && prov.contains("AdamOptimiser"), prov);
    }

    /** ProvenanceUtil.extractConfiguration → ConfigurationManager → lookup → retrain gives bit-identical weights. */
    @Test
    void retrainingFromProvenanceIsBitIdentical() {
        MultiDomainDataset data = suite(2);
        Dataset<Label> train = train(data);
        for (BatchMode mode : BatchMode.values()) {
            DomainLinearSGDTrainer original = new DomainLinearSGDTrainer("CMA", Map.of("penalty_anneal_iters", "3",
                    "grad_alpha", "50", "hess_beta", "20", "normalization", "isr"), new AdamOptimiser(0.02, 0.9, 0.99, 1e-8, 1e-4),
                    2, 32, mode, mode != BatchMode.FULL, 17);
            LinearSGDModel model = original.train(train);
            List<ConfigurationData> config = ProvenanceUtil.extractConfiguration(model.getProvenance());
            ConfigurationManager cm = new ConfigurationManager();
            cm.addConfiguration(config);
            String name = config.stream().filter(c -> c.getClassName().equals(DomainLinearSGDTrainer.class.getName()))
                    .findFirst().orElseThrow().getName();
            DomainLinearSGDTrainer rebuilt = (DomainLinearSGDTrainer) cm.lookup(name);
            LinearSGDModel again = rebuilt.train(train);
            assertArrayEquals(model.getWeightsCopy().toArray(), again.getWeightsCopy().toArray(), mode + ": bit-identical");
            if (mode == BatchMode.FULL) {
                DenseMatrix w = model.getWeightsCopy();
                for (int k = 0; k < w.getDimension1Size(); k++) {
                    assertEquals(0.0, w.get(k, w.getDimension2Size() - 1), "bias-free head keeps its bias column at 0");
                }
            }
        }
    }

    @Test
    void badInputIsNamed() {
        MultiDomainDataset data = suite(3);
        MutableDataset<Label> noDomain = new MutableDataset<>(new SimpleDataSourceProvenance("t", OffsetDateTime.now(),
                new LabelFactory()), new LabelFactory());
        noDomain.add(example("0", 1.0, "a"));
        noDomain.add(example("1", 2.0, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cma(0).train(noDomain));
        assertTrue(e.getMessage().contains("example 1 has no 'domain' metadata"), e.getMessage());

        MutableDataset<Label> nan = new MutableDataset<>(new SimpleDataSourceProvenance("t", OffsetDateTime.now(),
                new LabelFactory()), new LabelFactory());
        nan.add(example("0", 1.0, "a"));
        ArrayExample<Label> corrupted = example("1", 2.0, "b");
        nan.add(corrupted);                     // Tribuo's add() refuses NaN, so corrupt the example afterwards,
        corrupted.set(new org.tribuo.Feature("x", Double.NaN));   // as another Dataset source could deliver it
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> cma(0).train(nan));
        assertTrue(n.getMessage().contains("example 1 has a non-finite value NaN for feature 'x'"), n.getMessage());

        MutableDataset<Label> empty = new MutableDataset<>(new SimpleDataSourceProvenance("t", OffsetDateTime.now(),
                new LabelFactory()), new LabelFactory());
        assertThrows(IllegalArgumentException.class, () -> cma(0).train(empty));

        IllegalArgumentException adam = assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("CMA",
                Map.of(), new org.tribuo.math.optimisers.Adam(), 1, 8, BatchMode.POOLED, true, 0));
        assertTrue(adam.getMessage().contains("Tribuo 4.3.2's Adam"), adam.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("CMA", Map.of("alpha", "1"), 1, 8,
                BatchMode.POOLED, 0));
        assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("MLDG", Map.of(), 1, 8, BatchMode.POOLED, 0));
        assertTrue(data.size() > 0);
    }

    @Test
    void aDivergingRunNamesTheStep() {
        // an absurd learning rate and penalty weight drive the logits to overflow within a few steps
        DomainLinearSGDTrainer wild = new DomainLinearSGDTrainer("VREx", Map.of("vrex_lambda", "1e300",
                "vrex_penalty_anneal_iters", "0"), new AdamOptimiser(1e300), 50, 64, BatchMode.POOLED, true, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> wild.train(train(suite(8))));
        assertTrue(e instanceof TrainingDivergedException && e.getMessage().startsWith("VREx diverged at step ")
                && e.getMessage().contains("not finite"), e.getMessage());
    }

    @Test
    void aSingleDomainWarnsAndTrainsErm() {
        MultiDomainDataset data = suite(4);
        Dataset<Label> one = split(data, "train-0.95");
        List<String> warnings = new java.util.ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(DomainLinearSGDTrainer.class.getName());
        logger.addHandler(h);
        try {
            LinearSGDModel viaCma = cma(5).train(one);
            LinearSGDModel viaErm = new DomainLinearSGDTrainer("ERM", Map.of(), new AdamOptimiser(0.05), 5, 64,
                    BatchMode.POOLED, true, 5).train(one);
            assertTrue(warnings.stream().anyMatch(w -> w.contains("single domain")), warnings.toString());
            assertEquals(viaErm.getWeightsCopy().get(0, 0), viaCma.getWeightsCopy().get(0, 0), 0.0, "plain ERM");
        } finally {
            logger.removeHandler(h);
        }
    }

    @Test
    void domainEvaluationReportsWorstDomainAndGroup() {
        MultiDomainDataset data = suite(6);
        LinearSGDModel model = new DomainLinearSGDTrainer("ERM", Map.of(), new AdamOptimiser(0.05), 5, 64, BatchMode.POOLED,
                true, 1).train(train(data));
        DomainEvaluation report = DomainEvaluation.of(model, TribuoDatasets.toTribuo(data), "domain", "group");
        assertEquals(List.of("test", "train-0.80", "train-0.95", "val"), List.copyOf(report.domainAccuracy().keySet()));
        assertEquals(4, report.groupAccuracy().size());
        assertTrue(report.worstGroupAccuracy() <= report.worstDomainAccuracy());
        assertTrue(report.toString().contains("worst group"), report.toString());
        assertEquals(400, report.domainSizes().get("test"));
    }

    /** The OLCUT XML example in docs/ trains from configuration alone. */
    @Test
    void xmlConfigurationExampleTrains() {
        Path xml = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/cma-trainer-config.xml");
        ConfigurationManager cm = new ConfigurationManager(xml.toString());
        DomainLinearSGDTrainer trainer = (DomainLinearSGDTrainer) cm.lookup("cma-trainer");
        LinearSGDModel model = trainer.train(train(suite(7)));
        assertTrue(model.getProvenance().toString().contains("CMA"));
    }

    private static ArrayExample<Label> example(String label, double x, String domain) {
        ArrayExample<Label> ex = new ArrayExample<>(new Label(label), new String[]{"x"}, new double[]{x});
        if (domain != null) {
            ex.setMetadataValue("domain", domain);
        }
        return ex;
    }
}
