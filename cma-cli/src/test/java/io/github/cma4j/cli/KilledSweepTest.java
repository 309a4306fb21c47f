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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sweep running in its own JVM is killed with SIGKILL part-way (as a user's Ctrl-C or an OOM killer would),
 * then resumed with the same command: the records equal those of an uninterrupted sweep, none lost or duplicated,
 * and no line is torn.
 */
class KilledSweepTest {
    @TempDir
    Path dir;

    private static final String[] SWEEP = {"sweep", "--datasets", "SpuriousFeatures", "--algorithms", "ERM,CMA", "--single-test-envs",
            "--n-trials", "2", "--steps", "400", "--checkpoint-freq", "50", "--quiet"};

    private static String[] args(Path out) {
        List<String> a = new ArrayList<>(List.of(SWEEP));
        a.add("--out");
        a.add(out.toString());
        return a.toArray(new String[0]);
    }

    @Test
    void sigkilledSweepResumesToTheSameRecords() throws Exception {
        Path clean = dir.resolve("clean");
        assertEquals(0, Main.commandLine().execute(args(clean)));

        Path killed = dir.resolve("killed");
        List<String> command = SweepRecords.javaCommand(args(killed));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(dir.resolve("log").toString())).start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (SweepRecords.doneRuns(killed) < 1 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly();       // SIGKILL: no shutdown hooks, no cleanup
        p.waitFor();
        long done = SweepRecords.doneRuns(killed);
        assertTrue(done >= 1 && done < 8, "killed part-way, with " + done + " of 8 runs done");

        assertEquals(0, Main.commandLine().execute(args(killed)));
        assertEquals(SweepRecords.of(clean), SweepRecords.of(killed));
        assertEquals(8, SweepRecords.doneRuns(killed));
        SweepRecords.of(killed).values().forEach(lines -> assertEquals(1 + 8, lines.size()));   // file names + 8 records
    }
}
