package io.github.cma4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.cma4j.experiments.ExperimentRunner;
import io.github.cma4j.experiments.ResultsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's answers to bad input and failing runs: each named, none silent (docs/reliability.md). */
class BadInputTest {
    @TempDir
    Path dir;

    private final CliSession cli = new CliSession();

    private int train(Path target, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--dataset", "SpuriousFeatures", "--algorithm", "CMA",
                "--test-env", "test", "--steps", "60", "--checkpoint-freq", "20", "--anneal", "0", "--out", target.toString()));
        a.addAll(List.of(extra));
        return cli.run(a.toArray(String[]::new));
    }

    private static JsonNode lastRecord(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve(ResultsFile.RESULTS));
        return ExperimentRunner.json().readTree(lines.get(lines.size() - 1));
    }

    /** lr = 1e300 ended with exit 0, "done" and a 300-digit loss in results.jsonl. */
    @Test
    void aDivergingRunFailsWithTheStepAndIsRecordedAsFailed() throws IOException {
        Path r = dir.resolve("wild");
        assertEquals(1, train(r, "--hparam", "lr=1e300", "--keep-last-finite"));
        assertTrue(cli.err.toString().contains("failed at step 1: the objective is"), cli.err.toString());
        assertFalse(ResultsFile.isDone(r));
        JsonNode failed = ExperimentRunner.json().readTree(Files.readString(r.resolve(ResultsFile.FAILED)));
        assertEquals(1, failed.get("step").asInt());
        assertTrue(Files.exists(r.resolve("model.last-finite.tribuo")), "kept because asked");
        assertEquals(1, train(dir.resolve("wild2"), "--hparam", "lr=1e300"));
        assertFalse(Files.exists(dir.resolve("wild2/model.last-finite.tribuo")), "not kept unless asked");
    }

    /** Re-running into the same --out appended duplicate steps, even of another configuration. */
    @Test
    void aRunDirectoryBelongsToOneConfiguration() throws IOException {
        Path r = dir.resolve("run");
        assertEquals(0, train(r));
        List<String> records = Files.readAllLines(r.resolve(ResultsFile.RESULTS));
        assertEquals(1, train(r));
        assertTrue(cli.err.toString().contains("already holds this run, finished"), cli.err.toString());
        assertEquals(1, train(r, "--hparam", "lr=0.01"));
        assertTrue(cli.err.toString().contains("holds a run of another configuration"), cli.err.toString());
        assertEquals(records, Files.readAllLines(r.resolve(ResultsFile.RESULTS)), "nothing was appended");
        Path foreign = Files.createDirectories(dir.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        assertEquals(1, train(foreign));
        assertTrue(cli.err.toString().contains("is not empty (notes.txt"), cli.err.toString());
    }

    @Test
    void anOutThatIsAFileIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(1, train(file));
        assertTrue(cli.err.toString().contains("is a file, not a directory"), cli.err.toString());
        assertEquals(1, train(file.resolve("sub")));
        assertTrue(cli.err.toString().contains("cannot create the run directory"), cli.err.toString());
    }

    /** grad_alpha with ERM,CMA ran CMA, then aborted on ERM leaving run folders behind. */
    @Test
    void aSweepIsValidatedBeforeItsFirstRun() {
        Path sweep = dir.resolve("sweep");
        assertEquals(1, cli.run("sweep", "--datasets", "SpuriousFeatures", "--algorithms", "CMA,ERM", "--hparam", "grad_alpha=5",
                "--steps", "20", "--out", sweep.toString()));
        assertTrue(cli.err.toString().contains("runs are invalid, so none was started")
                && cli.err.toString().contains("unknown hyperparameter 'grad_alpha'"), cli.err.toString());
        assertFalse(Files.exists(sweep));
    }

    /** CMA's default warm-up (2500) outlasted the default 1000 steps: "CMA" trained ERM silently. */
    @Test
    void aPenaltyThatNeverStartsIsWarnedAndRecorded() throws IOException {
        Path r = dir.resolve("late");
        assertEquals(0, cli.run("train", "--dataset", "SpuriousFeatures", "--algorithm", "CMA", "--test-env", "test",
                "--steps", "40", "--checkpoint-freq", "20", "--out", r.toString()));
        assertTrue(cli.err.toString().contains("gradPenalty starts at step 2500 (penalty_anneal_iters) but the run has 40 steps"),
                cli.err.toString());
        assertEquals("[\"gradPenalty\",\"hessPenalty\"]", lastRecord(r).get("penalties_never_active").toString());
        // the defaults do not produce such a run: train's default steps outlast every registered default warm-up
        assertTrue(Integer.parseInt(Main.DEFAULT_STEPS) > 2500);
    }

    /** One training domain: the record said "CMA" for what was ERM. */
    @Test
    void aFallbackToErmIsRecordedAndReported() throws IOException {
        Path r = dir.resolve("single");
        assertEquals(0, cli.run("train", "--dataset", "SpuriousFeatures", "--algorithm", "CMA", "--test-env",
                "val,test,train-0.80", "--steps", "40", "--checkpoint-freq", "20", "--out", r.toString()));
        assertEquals("ERM", lastRecord(r).get("algorithm_effective").asText());
        assertEquals("CMA", lastRecord(r).get("args").get("algorithm").asText());
        assertTrue(cli.err.toString().contains("one training domain is left: CMA has nothing to align and trains ERM"), cli.err.toString());
    }

    /** report included killed runs' records silently. */
    @Test
    void reportLeavesOutUnfinishedRunsAndSaysSo() throws IOException {
        Path sweep = dir.resolve("s");
        assertEquals(0, train(sweep.resolve("a")));
        assertEquals(0, train(sweep.resolve("b"), "--trial-seed", "1"));
        Files.delete(sweep.resolve("b").resolve(ResultsFile.DONE));      // as if killed before its last write
        assertEquals(0, cli.run("report", sweep.toString()));
        assertTrue(cli.err.toString().contains("1 unfinished run(s) left out; --include-unfinished adds them"), cli.err.toString());
        assertEquals(0, cli.run("report", "--include-unfinished", sweep.toString()));
        assertTrue(cli.out.toString().contains("| CMA (unfinished) |"), cli.out.toString());
    }

    /** `cma4j datasets` exited 0 when a verification failed. */
    @Test
    void datasetsExitsNonZeroWhenANamedCopyFailsVerification() throws IOException {
        Path broken = Files.createDirectories(dir.resolve("fm"));
        Files.writeString(broken.resolve("train-images-idx3-ubyte"), "not an idx file");
        assertEquals(1, cli.run("datasets", "--data-dir", broken.toString()));
        assertTrue(cli.err.toString().contains("Fashion-MNIST failed verification"), cli.err.toString());
    }

    /** Features of another scale in one domain: named when the run starts; --standardize trains on them. */
    @Test
    void featuresOfAnotherScaleAreNamedAndStandardisationIsOffered() throws IOException {
        List<String> lines = new java.util.ArrayList<>(List.of("x0,x1,label,domain"));
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (String domain : new String[]{"a", "b", "c"}) {
            double scale = domain.equals("b") ? 1e5 : 1;
            for (int i = 0; i < 60; i++) {
                double x0 = rng.nextGaussian();
                double x1 = rng.nextGaussian();
                lines.add(String.format(java.util.Locale.ROOT, "%.6g,%.6g,%s,%s", scale * x0, scale * x1, x0 + x1 > 0 ? "p" : "n", domain));
            }
        }
        Path csv = Files.write(dir.resolve("scales.csv"), lines);
        Path plain = dir.resolve("plain");
        cli.run("train", "--dataset", csv.toString(), "--algorithm", "ERM", "--test-env", "c", "--steps", "100", "--out", plain.toString());
        assertTrue(cli.err.toString().contains("feature 'x0'") && cli.err.toString().contains("domain 'b'")
                && cli.err.toString().contains("--standardize"), cli.err.toString());
        Path standardized = dir.resolve("standardized");
        assertEquals(0, cli.run("train", "--dataset", csv.toString(), "--algorithm", "ERM", "--test-env", "c", "--steps", "100",
                "--standardize", "--out", standardized.toString()), cli.err.toString());
        assertTrue(lastRecord(standardized).get("args").get("standardize").asBoolean());
    }

    /** A broken CSV from the command line: the reader's message, without a Java exception's name in front. */
    @Test
    void aBrokenCsvIsNamedByFileLineAndColumn() throws IOException {
        Path csv = Files.writeString(dir.resolve("broken.csv"), "site,age,label\nnorth,3f,yes\nsouth,1,no\n");
        assertEquals(1, cli.run("train", "--dataset", csv.toString(), "--domain-column", "site", "--algorithm", "ERM",
                "--test-env", "south", "--out", dir.resolve("r").toString()));
        assertTrue(cli.err.toString().contains("cma4j train: " + csv.toAbsolutePath() + " line 2, column 'age' (2): '3f' is not a number"),
                cli.err.toString());
    }
}
