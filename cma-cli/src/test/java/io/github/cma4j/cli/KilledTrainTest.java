package io.github.cma4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cma4j.experiments.ExperimentRunner;
import io.github.cma4j.experiments.ResultsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cma4j train} in its own JVM is killed with SIGKILL after some checkpoints, then run again with the same
 * arguments: the run directory ends with exactly the records of an uninterrupted run (the same lines, none
 * duplicated, none torn), and its model.
 */
class KilledTrainTest {
    @TempDir
    Path dir;

    private static String[] args(Path out) {
        return new String[]{"train", "--dataset", "SpuriousFeatures", "--algorithm", "CMA", "--test-env", "test",
                "--steps", "3000", "--checkpoint-freq", "100", "--anneal", "100", "--quiet", "--out", out.toString()};
    }

    /** The records without the wall-clock field. */
    private static List<String> records(Path run) throws IOException {
        List<String> lines = new ArrayList<>();
        Path file = run.resolve(ResultsFile.RESULTS);
        if (!Files.exists(file)) {
            return lines;
        }
        for (String line : Files.readAllLines(file)) {
            JsonNode node = ExperimentRunner.json().readTree(line);     // throws on a torn line
            ((ObjectNode) node).remove("step_time");
            lines.add(ExperimentRunner.json().writeValueAsString(node));
        }
        return lines;
    }

    @Test
    void sigkilledTrainRerunEndsWithTheRecordsOfAnUninterruptedRun() throws Exception {
        Path clean = dir.resolve("clean");
        assertEquals(0, Main.commandLine().execute(args(clean)));
        List<String> expected = records(clean);
        assertEquals(30, expected.size());

        Path killed = dir.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", cp,
                Main.class.getName()));
        command.addAll(List.of(args(killed)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(dir.resolve("log").toString())).start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (records(killed).size() < 5 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        p.destroyForcibly();       // SIGKILL: no shutdown hooks, no cleanup
        p.waitFor();
        int before = records(killed).size();
        assertTrue(before >= 5 && before < 30, "killed part-way, after " + before + " of 30 checkpoints");
        assertFalse(ResultsFile.isDone(killed));

        assertEquals(0, Main.commandLine().execute(args(killed)));
        assertEquals(expected, records(killed));
        assertTrue(ResultsFile.isDone(killed) && Files.exists(killed.resolve("model.tribuo")));
        // and a third time: a finished run is not run again
        assertEquals(1, Main.commandLine().execute(args(killed)));
        assertEquals(expected, records(killed));
    }

    private static String[] fineTuningArgs(Path out) {
        return new String[]{"train", "--dataset", "SpuriousFeatures", "--algorithm", "CMA", "--test-env", "test",
                "--featurizer", "MLP", "--steps", "600", "--checkpoint-freq", "50", "--eval-examples", "200", "--anneal", "100",
                "--quiet", "--out", out.toString()};
    }

    /**
     * A fine-tuning run SIGKILLed after some checkpoints continues from its last one (not from step 0) and ends with
     * exactly the records of an uninterrupted run; the finished run keeps no checkpoint.
     */
    @Test
    void sigkilledFineTuningRunResumesFromItsCheckpointToTheSameRecords() throws Exception {
        Path clean = dir.resolve("clean-mlp");
        assertEquals(0, Main.commandLine().execute(fineTuningArgs(clean)));
        List<String> expected = records(clean);
        assertEquals(12, expected.size());

        Path killed = dir.resolve("killed-mlp");
        List<String> command = SweepRecords.javaCommand(fineTuningArgs(killed));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(dir.resolve("log-mlp").toString())).start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (records(killed).size() < 4 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        p.destroyForcibly();
        p.waitFor();
        int before = records(killed).size();
        assertTrue(before >= 4 && before < 12, "killed part-way, after " + before + " of 12 checkpoints");
        assertTrue(Files.exists(killed.resolve(ResultsFile.CHECKPOINT)), "a checkpoint to resume from");

        CliSession resumed = new CliSession();
        String[] loud = java.util.Arrays.stream(fineTuningArgs(killed)).filter(a -> !a.equals("--quiet")).toArray(String[]::new);
        assertEquals(0, resumed.run(loud), resumed.err.toString());
        assertTrue(resumed.err.toString().contains("resumes from its checkpoint after step"), resumed.err.toString());
        assertEquals(expected, records(killed));
        assertTrue(ResultsFile.isDone(killed) && !Files.exists(killed.resolve(ResultsFile.CHECKPOINT)));
    }
}
