package io.github.cma4j.tribuo;

import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Dataset;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.data.columnar.FieldExtractor;
import org.tribuo.data.columnar.FieldProcessor;
import org.tribuo.data.columnar.RowProcessor;
import org.tribuo.data.columnar.extractors.IdentityExtractor;
import org.tribuo.data.columnar.processors.field.DoubleFieldProcessor;
import org.tribuo.data.columnar.processors.response.FieldResponseProcessor;
import org.tribuo.data.csv.CSVDataSource;
import org.tribuo.dataset.DatasetView;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The way a Tribuo user already reads a CSV: a {@code RowProcessor} with the domain column as a metadata field,
 * a {@code CSVDataSource}, a {@code MutableDataset}, then {@link DomainLinearSGDTrainer} with that key.
 */
class TribuoDataSourceTest {
    @TempDir
    Path dir;

    private Path csv() throws IOException {
        SplittableRandom rng = new SplittableRandom(9);
        List<String> lines = new ArrayList<>(List.of("site,age,score,outcome"));
        for (String site : new String[]{"north", "south", "east"}) {
            for (int i = 0; i < 80; i++) {
                double age = rng.nextGaussian();
                double score = rng.nextGaussian();
                lines.add(String.format(java.util.Locale.ROOT, "%s,%.4f,%.4f,%s", site, age, score, age + score > 0 ? "yes" : "no"));
            }
        }
        return Files.write(dir.resolve("sites.csv"), lines);
    }

    @Test
    void csvDataSourceWithTheDomainAsMetadataTrains() throws IOException {
        Map<String, FieldProcessor> features = new LinkedHashMap<>();
        features.put("age", new DoubleFieldProcessor("age"));
        features.put("score", new DoubleFieldProcessor("score"));
        List<FieldExtractor<?>> metadata = List.of(new IdentityExtractor("site"));
        RowProcessor<Label> rows = new RowProcessor<>(metadata, null,
                new FieldResponseProcessor<>("outcome", "", new LabelFactory()), features, java.util.Set.of());
        MutableDataset<Label> all = new MutableDataset<>(new CSVDataSource<>(csv(), rows, true));
        Dataset<Label> train = DatasetView.createView(all, ex -> !"east".equals(ex.getMetadataValue("site").orElse(null)), "train");

        DomainLinearSGDTrainer trainer = new DomainLinearSGDTrainer("CMA", Map.of("penalty_anneal_iters", "0"),
                new AdamOptimiser(0.05), 1, 16, BatchMode.DOMAIN_BALANCED, true, 1).withSteps(100).withDomainKey("site");
        LinearSGDModel model = trainer.train(train);
        DomainEvaluation eval = new DomainEvaluator("site", null).evaluate(model, all);
        assertTrue(eval.toString().contains("east") && eval.toString().contains("macro F1"), eval.toString());
        assertEquals(80, (int) eval.domainSizes().get("east"));
        org.tribuo.classification.evaluation.LabelEvaluation east = eval.domainEvaluations().get("east");
        assertEquals(eval.domainAccuracy().get("east"), east.accuracy(), 1e-12, "the same accuracy, from Tribuo's evaluator");
        assertEquals(80, east.getPredictions().size());
        assertTrue(east.getConfusionMatrix().toString().contains("YES"), east.getConfusionMatrix().toString());
        assertTrue(eval.domainMacroF1().get("east") > 0.5, eval.toString());
        assertTrue(model.getTopFeatures(2).values().stream().flatMap(List::stream).anyMatch(p -> p.getA().startsWith("age")),
                "the CSV's column names: " + model.getTopFeatures(2));

        // the default key finds no domain: the existing clear error
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("CMA",
                Map.of(), new AdamOptimiser(0.05), 1, 16, BatchMode.POOLED, true, 1).train(train));
        assertTrue(e.getMessage().contains("has no 'domain' metadata"), e.getMessage());
        assertEquals(240, all.size());
    }
}
