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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cma4j sweep --spark local[2]}: the same run directories and records as the local sweep, so that
 * {@code cma4j report} prints the same; killed with SIGKILL part-way in its own JVM and run again, it ends with
 * exactly those records (none lost, duplicated or torn) and leaves no temporary directory.
 */
class SparkSweepTest {
    @TempDir
    Path dir;

    private static final String[] SWEEP = {"sweep", "--datasets", "SpuriousFeatures", "--algorithms", "ERM,CMA", "--single-test-envs",
            "--n-trials", "2", "--steps", "400", "--checkpoint-freq", "50", "--quiet"};

    private static String[] args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(SWEEP));
        a.addAll(List.of(more));
        a.add("--out");
        a.add(out.toString());
        return a.toArray(new String[0]);
    }


    @Test
    void sparkSweepWritesTheLocalSweepsRecordsAndResumesAfterSigkill() throws Exception {
        Path local = dir.resolve("local");
        assertEquals(0, Main.commandLine().execute(args(local)));
        Map<String, List<String>> expected = SweepRecords.of(local);
        assertEquals(8, expected.size());

        Path killed = dir.resolve("spark");
        List<String> command = SweepRecords.javaCommand(args(killed, "--spark", "local[2]"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(dir.resolve("log").toString())).start();
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (SweepRecords.doneRuns(killed) < 1 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly();       // SIGKILL: no shutdown hooks, no cleanup
        p.waitFor();
        long done = SweepRecords.doneRuns(killed);
        assertTrue(done >= 1 && done < 8, "killed part-way, with " + done + " of 8 runs done; log:\n"
                + Files.readString(dir.resolve("log")));

        CliSession resumed = new CliSession();
        assertEquals(0, resumed.run(args(killed, "--spark", "local[2]")), resumed.err.toString());
        assertTrue(resumed.out.toString().contains("(" + done + " already done, " + (8 - done) + " run now)"), resumed.out.toString());
        assertEquals(expected, SweepRecords.of(killed));
        try (Stream<Path> names = Files.list(killed)) {
            assertTrue(names.noneMatch(n -> n.getFileName().toString().startsWith("_tmp-")), "no temporary directory left");
        }
        CliSession again = new CliSession();
        again.run(args(killed, "--spark", "local[2]"));
        assertTrue(again.out.toString().contains("(8 already done, 0 run now)"), again.out.toString());

        CliSession reportLocal = new CliSession();
        assertEquals(0, reportLocal.run("report", local.toString()));
        CliSession reportSpark = new CliSession();
        assertEquals(0, reportSpark.run("report", killed.toString()));
        assertEquals(reportLocal.out.toString().replace(local.toString(), "DIR"), reportSpark.out.toString().replace(killed.toString(), "DIR"));
    }

    /** A run's warnings are printed by the driver, not lost on an executor: here CMA's warm-up outlasts the run. */
    @Test
    void aRunsWarningsReachTheDriversConsole() {
        CliSession s = new CliSession();
        assertEquals(0, s.run("sweep", "--datasets", "SpuriousFeatures", "--algorithms", "CMA", "--single-test-envs",
                "--test-envs", "test", "--steps", "50", "--checkpoint-freq", "50", "--quiet", "--spark", "local[2]",
                "--out", dir.resolve("warned").toString()), s.err.toString());
        assertTrue(s.err.toString().contains(": warning: ") && s.err.toString().contains("never"), s.err.toString());
    }

    @Test
    void sparkOptionsAreChecked() {
        CliSession workers = new CliSession();
        assertEquals(2, workers.run(args(dir.resolve("w"), "--spark", "local[2]", "--workers", "2")));
        assertTrue(workers.err.toString().contains("--workers is for a local sweep"), workers.err.toString());
        CliSession conf = new CliSession();
        assertEquals(2, conf.run(args(dir.resolve("c"), "--spark-conf", "spark.executor.memory=2g")));
        assertTrue(conf.err.toString().contains("--spark-conf needs --spark"), conf.err.toString());
    }
}
