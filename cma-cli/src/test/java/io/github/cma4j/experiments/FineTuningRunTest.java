package io.github.cma4j.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cma4j.finetune.FineTunedModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The experiment runner's fine-tuning mode: DomainBed's records and selection inputs, from a trained featurizer. */
@Tag("nd4j")
class FineTuningRunTest {
    @TempDir
    Path dir;

    private static RunSpec spec(String featurizer, int evalExamples) {
        return new RunSpec("SpuriousFeatures", "CMA", List.of("test"), 0, 0, 20, 10,
                Map.of("batch_size", "16", "penalty_anneal_iters", "5"), featurizer, evalExamples);
    }

    @Test
    void mlpRunWritesCheckpointsAndASavedModel() throws IOException {
        RunSpec spec = spec("mlp", 40);
        assertEquals("MLP", spec.featurizer(), "names are matched case-insensitively");
        Path run = dir.resolve(spec.id());
        ExperimentRunner.run(spec, run, null, s -> { });
        List<String> lines = Files.readAllLines(run.resolve(ResultsFile.RESULTS));
        assertEquals(2, lines.size(), "checkpoints at steps 10 and 20");
        for (String line : lines) {
            JsonNode record = ExperimentRunner.json().readTree(line);
            assertEquals("MLP", record.get("args").get("featurizer").asText());
            assertEquals(40, record.get("args").get("eval_examples").asInt());
            int domains = record.get("domains").size();
            assertTrue(domains >= 3, "training and test domains all evaluated");
            for (int d = 0; d < domains; d++) {
                for (String part : new String[]{"in", "out"}) {
                    double acc = record.get("env" + d + "_" + part + "_acc").asDouble();
                    assertTrue(acc >= 0 && acc <= 1, "env" + d + " " + part + ": " + acc);
                    // 40 evaluated examples: accuracies are multiples of 1/40
                    assertEquals(0, Math.abs(acc * 40 - Math.rint(acc * 40)), 1e-9, "env" + d + " " + part + " over 40 examples");
                }
            }
            assertTrue(Double.isFinite(record.get("loss").asDouble()));
        }
        assertTrue(ResultsFile.isDone(run));
        FineTunedModel model = FineTunedModel.load(run.resolve("model.cma4j"));
        assertTrue(model.getProvenance().toString().contains("MLP"));
    }

    @Test
    void linearRunsKeepTheirIdentifiersAndBadFeaturizersAreNamed() {
        RunSpec linear = new RunSpec("SpuriousFeatures", "CMA", List.of("test"), 0, 0, 20, 10, Map.of("batch_size", "16"));
        assertEquals(linear.id(), new RunSpec("SpuriousFeatures", "CMA", List.of("test"), 0, 0, 20, 10,
                Map.of("batch_size", "16"), "linear", 0).id());
        assertNotEquals(linear.id(), new RunSpec("SpuriousFeatures", "CMA", List.of("test"), 0, 0, 20, 10,
                Map.of("batch_size", "16"), "MLP", 0).id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec("resnet50", 0));
        assertTrue(e.getMessage().contains("unknown featurizer 'resnet50'") && e.getMessage().contains("MNIST_CNN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(spec("MNIST_CNN", 0), dir.resolve("cnn"), null, s -> { }));
        assertTrue(e.getMessage().contains("not images"), e.getMessage());
    }
}
