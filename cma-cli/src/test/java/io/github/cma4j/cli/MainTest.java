package io.github.cma4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: the demo runs headless and writes its files; usage errors print help and exit 2. */
class MainTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void demoRunsHeadlessAndWritesItsFiles() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path target = dir.resolve("demo");
        int code = run(out, err, "demo", "--out", target.toString(), "--steps", "30", "--algorithms", "ERM,CMA", "--quiet",
                "--trials", "1", "--n-hparams", "1");
        assertEquals(0, code, err.toString());
        for (String f : new String[]{"results.jsonl", "report.md", "report.tex"}) {
            assertTrue(Files.size(target.resolve(f)) > 0, f);
        }
        try (var pngs = Files.list(target)) {
            assertTrue(pngs.anyMatch(p -> p.toString().endsWith(".png")), "a PNG plot");
        }
        assertTrue(out.toString().contains("| ERM |") && out.toString().contains("| CMA |"), out.toString());
        assertTrue(out.toString().contains("Files in " + target.toAbsolutePath().normalize()), out.toString());
        assertEquals("", err.toString(), "--quiet prints only the results");
    }

    @Test
    void demoOnTheSpuriousSuiteReportsWorstGroupAccuracy() throws Exception {
        StringWriter out = new StringWriter();
        Path target = dir.resolve("demo-sf");
        assertEquals(0, run(out, new StringWriter(), "demo", "--dataset", "SpuriousFeatures", "--out", target.toString(),
                "--steps", "30", "--algorithms", "ERM,VREx", "--quiet"));
        assertTrue(out.toString().contains("SpuriousFeatures — worst-group accuracy"), out.toString());
        // the default demo: 3 trials x 2 configurations per algorithm, and the table says how it was selected
        assertTrue(out.toString().contains("12 runs") && out.toString().contains("Selected by training-domain validation")
                && out.toString().contains("over 3 trial seeds"), out.toString());
        assertTrue(Files.readString(target.resolve("report.md")).contains("| VREx |"));
        assertTrue(Files.readString(target.resolve("report.md")).contains("## Confusion matrices"), "the selected checkpoints' confusion");
        assertTrue(Files.size(target.resolve("worstgroup_SpuriousFeatures.png")) > 0, "a worst-group plot where there are groups");
    }

    @Test
    void datasetsListsEveryDatasetAndWhereItsFilesAre() {
        StringWriter out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "datasets"));
        for (var e : io.github.cma4j.experiments.DatasetCatalog.ENTRIES) {
            assertTrue(out.toString().contains(e.name()), e.name() + " missing:\n" + out);
        }
        assertTrue(out.toString().contains("checksums verified") || out.toString().contains("NOT AVAILABLE"), out.toString());
    }

    @Test
    void usageErrorsPrintHelpAndExit2() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(2, run(out, err, "train", "--dataset", "SpuriousFeatures"));
        assertTrue(err.toString().contains("Missing required option") && err.toString().contains("Usage: cma4j train"), err.toString());
        assertEquals(2, run(out, err, "frobnicate"));
        assertEquals(2, run(out, err));
        assertEquals(2, run(out, err, "sweep", "--datasets", "SpuriousFeatures", "--algorithms", "ERM", "--out", "x", "--steps", "many"));
        StringWriter err2 = new StringWriter();
        assertEquals(1, run(out, err2, "report", dir.resolve("missing").toString()), "a failure, not a usage error");
        assertTrue(err2.toString().contains("no such directory"), err2.toString());
        StringWriter err3 = new StringWriter();
        assertEquals(1, run(new StringWriter(), err3, "train", "--dataset", "SpuriousFeatures", "--algorithm", "MLDG",
                "--test-env", "test", "--out", dir.resolve("t").toString()));
        assertTrue(err3.toString().contains("unknown algorithm 'MLDG'"), err3.toString());
        assertEquals(0, run(new StringWriter(), new StringWriter(), "--help"));
    }
}
