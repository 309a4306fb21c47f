package io.github.cma4j.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: a sweep of 2 algorithms × 2 test domains × 1 hparam × 2 trials (8 runs, 3 checkpoints each) is
 * killed part-way (a run fails mid-training, leaving partial records and no done marker), then resumed; the
 * result is exactly the records of an uninterrupted sweep — none lost, none duplicated.
 */
class SweepTest {
    @TempDir
    Path dir;

    private static List<RunSpec> grid() {
        return Sweep.grid(List.of("SpuriousFeatures"), List.of("ERM", "CMA"), null, 1, 2, 30, 10,
                Map.of());
    }

    /** run id → its records without the wall-clock field. */
    private static Map<String, List<String>> records(Path sweep) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        for (RunSpec spec : grid()) {
            Path file = sweep.resolve(spec.id()).resolve(ResultsFile.RESULTS);
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                JsonNode node = ExperimentRunner.json().readTree(line);
                ((ObjectNode) node).remove("step_time");
                lines.add(ExperimentRunner.json().writeValueAsString(node));
            }
            out.put(spec.id(), lines);
        }
        return out;
    }

    @Test
    void killedAndResumedSweepHasExactlyTheExpectedRecords() throws IOException {
        List<RunSpec> runs = grid();
        assertEquals(8, runs.size(), "2 algorithms x 2 test domains x 1 hparam x 2 trials");
        Path clean = dir.resolve("clean");
        Sweep.Summary all = Sweep.run(runs, clean, null, 2, s -> { });
        assertEquals(new Sweep.Summary(8, 0, 8), all);

        Path killed = dir.resolve("killed");
        AtomicInteger checkpoints = new AtomicInteger();
        Consumer<String> dieMidway = line -> {
            if (line.contains("step") && checkpoints.incrementAndGet() == 14) {
                throw new IllegalStateException("simulated kill");     // the 5th run dies after 2 of its 3 checkpoints
            }
        };
        assertThrows(IOException.class, () -> Sweep.run(runs, killed, null, 1, dieMidway));
        long done = runs.stream().filter(r -> ResultsFile.isDone(killed.resolve(r.id()))).count();
        assertTrue(done >= 4 && done < 8, "part-way: " + done + " runs done");

        Sweep.Summary resumed = Sweep.run(runs, killed, null, 2, s -> { });
        assertEquals(done, resumed.skipped(), "finished runs are not run again");
        assertEquals(8 - done, resumed.ran());
        Map<String, List<String>> expected = records(clean);
        Map<String, List<String>> actual = records(killed);
        assertEquals(expected, actual, "same records, none lost or duplicated");
        expected.values().forEach(lines -> assertEquals(3, lines.size()));
        assertEquals(new Sweep.Summary(8, 8, 0), Sweep.run(runs, killed, null, 1, s -> { }), "a third call does nothing");
    }

    @Test
    void recordsCarryDomainBedsFields() throws IOException {
        RunSpec spec = new RunSpec("SpuriousFeatures", "Fishr", List.of("test"), 1, 0, 20, 10, Map.of("penalty_anneal_iters", "5"));
        Path run = dir.resolve("run");
        ExperimentRunner.run(spec, run, null, s -> { });
        List<String> lines = Files.readAllLines(run.resolve(ResultsFile.RESULTS));
        assertEquals(2, lines.size());
        JsonNode last = ExperimentRunner.json().readTree(lines.get(1));
        for (String field : List.of("args", "hparams", "step", "epoch", "loss", "step_time", "env0_in_acc", "env3_out_acc",
                "env3_in_wga", "trainer_provenance_sha256", "penalty", "crossEntropy")) {
            assertTrue(last.has(field), field + " missing in " + last);
        }
        assertEquals(20, last.get("step").asInt());
        assertEquals("5", last.get("hparams").get("penalty_anneal_iters").asText());
        assertTrue(ResultsFile.isDone(run));
        assertTrue(Files.exists(run.resolve("model.tribuo")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                new RunSpec("SpuriousFeatures", "ERM", List.of("nowhere"), 0, 0, 5, 5, Map.of()), dir.resolve("x"), null, s -> { }));
        assertTrue(e.getMessage().contains("test domain 'nowhere' is not a domain"), e.getMessage());
    }
}
