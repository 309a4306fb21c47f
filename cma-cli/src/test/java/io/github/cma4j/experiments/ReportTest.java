package io.github.cma4j.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three selection rules on hand-made records (DomainBed's test_model_selection idea). Domains A, B, C; test
 * domain A; two hparams seeds, two trials, steps 1 and 2. The expected cells, worked out by hand in the comments:
 * <pre>
 * training-domain validation  trial 0: h0 picks step 2 (val .80) over h1 (.65) → A_in .60; trial 1: h0 (.80) → .70
 *                             mean .65, SE = pop.std .05 / √2 = .035 → "65.0 ± 3.5"
 * oracle (last step, A_out)   trial 0: h1 (.50) beats h0 (.45) → .20; trial 1: h0 (.60) beats h1 (.20) → .70
 *                             mean .45, SE .25/√2 = .177 → "45.0 ± 17.7"
 * leave-one-domain-out        trial 0: h0 best step 1 (.80), h1 step 2 (.85) → h1 → .20;
 *                             trial 1: h0 step 2 (.70), h1 step 1 (.90) → h1 → .30; mean .25 → "25.0 ± 3.5"
 * </pre>
 */
class ReportTest {
    @TempDir
    Path dir;

    private final List<String> lines = new ArrayList<>();

    private void single(String algorithm, int h, int t, int step, double aIn, double aOut, double bOut, double cOut) {
        lines.add(String.format(Locale.ROOT, "{\"args\":{\"dataset\":\"D\",\"algorithm\":\"%s\",\"test_envs\":[\"A\"],"
                + "\"hparams_seed\":%d,\"trial_seed\":%d},\"step\":%d,\"domains\":[\"A\",\"B\",\"C\"],\"env0_in_acc\":%s,"
                + "\"env0_out_acc\":%s,\"env1_out_acc\":%s,\"env2_out_acc\":%s,\"loss\":1.0}", algorithm, h, t, step, aIn, aOut, bOut, cOut));
    }

    private void pair(String other, int h, int t, int step, double otherIn) {
        int idx = other.equals("B") ? 1 : 2;
        lines.add(String.format(Locale.ROOT, "{\"args\":{\"dataset\":\"D\",\"algorithm\":\"ALG\",\"test_envs\":[\"%s\",\"A\"],"
                + "\"hparams_seed\":%d,\"trial_seed\":%d},\"step\":%d,\"domains\":[\"A\",\"B\",\"C\"],\"env%d_in_acc\":%s}",
                other, h, t, step, idx, otherIn));
    }

    @Test
    void handComputedTablesForAllThreeRules() throws IOException {
        // trial 0
        single("ALG", 0, 0, 1, .50, .40, .70, .60);
        single("ALG", 0, 0, 2, .60, .45, .80, .80);
        single("ALG", 1, 0, 1, .70, .90, .60, .60);
        single("ALG", 1, 0, 2, .20, .50, .65, .65);
        pair("B", 0, 0, 1, .90);
        pair("B", 0, 0, 2, .50);
        pair("C", 0, 0, 1, .70);
        pair("C", 0, 0, 2, .50);
        pair("B", 1, 0, 1, .60);
        pair("B", 1, 0, 2, .90);
        pair("C", 1, 0, 1, .60);
        pair("C", 1, 0, 2, .80);
        // trial 1
        single("ALG", 0, 1, 1, .40, .50, .50, .50);
        single("ALG", 0, 1, 2, .70, .60, .90, .70);
        single("ALG", 1, 1, 1, .30, .95, .40, .40);
        single("ALG", 1, 1, 2, .10, .20, .30, .30);
        pair("B", 0, 1, 1, .60);
        pair("B", 0, 1, 2, .70);
        pair("C", 0, 1, 1, .60);
        pair("C", 0, 1, 2, .70);
        pair("B", 1, 1, 1, .95);
        pair("B", 1, 1, 2, .10);
        pair("C", 1, 1, 1, .85);
        pair("C", 1, 1, 2, .10);
        // a second algorithm without pair runs: leave-one-domain-out cannot be computed for it
        single("ALG2", 0, 0, 1, .33, .10, .10, .10);
        lines.add("{\"args\":{\"dataset\":\"D\",\"algor");            // torn line
        lines.add("{\"something\":\"else\"}");                         // foreign line
        Path run = Files.createDirectories(dir.resolve("sweep/run1"));
        Files.write(run.resolve(ResultsFile.RESULTS), lines);
        ResultsFile.markDone(run);
        // a killed run's records: left out by default and counted, included (marked) on request
        Path killed = Files.createDirectories(dir.resolve("sweep/run2"));
        Files.write(killed.resolve(ResultsFile.RESULTS), List.of(lines.get(0).replace("\"ALG\"", "\"ALG3\"")));

        Report report = Report.load(List.of(dir.resolve("sweep")));
        assertEquals(List.of("1 unfinished run(s) left out; --include-unfinished adds them, marked"), report.notes());
        assertTrue(report.render(false).startsWith("> 1 unfinished run(s) left out"), report.render(false));
        Report withKilled = Report.load(List.of(dir.resolve("sweep")), true);
        assertTrue(withKilled.render(false).contains("| ALG3 (unfinished) |"), withKilled.render(false));
        assertEquals(2, report.skippedLines().size(), report.skippedLines().toString());
        assertEquals(0.60, report.select(Report.Selection.TRAINING_DOMAIN_VALIDATION, "D", "ALG", "A", 0)[0], 1e-12);
        assertEquals(0.20, report.select(Report.Selection.ORACLE, "D", "ALG", "A", 0)[0], 1e-12);
        assertEquals(0.30, report.select(Report.Selection.LEAVE_ONE_DOMAIN_OUT, "D", "ALG", "A", 1)[0], 1e-12);
        String md = report.render(false);
        assertTrue(md.contains("| ALG | 65.0 ± 3.5 | 65.0 |"), md);
        assertTrue(md.contains("| ALG | 45.0 ± 17.7 | 45.0 |"), md);
        assertTrue(md.contains("| ALG | 25.0 ± 3.5 | 25.0 |"), md);
        assertTrue(md.contains("| ALG2 | X | X |"), "no pair runs: X under leave-one-domain-out\n" + md);
        assertTrue(md.contains("| ALG2 | 33.0 ± 0.0 | 33.0 |"), md);
        assertTrue(md.contains("Skipped 2 line(s)"), md);
        String tex = report.render(true);
        assertTrue(tex.contains("ALG & 65.0 $\\pm$ 3.5 & 65.0 \\\\"), tex);
        List<Path> files = report.write(dir.resolve("out"));
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith("accuracy_D.png")));
        for (Path f : files) {
            assertTrue(Files.size(f) > 0, f + " is empty");
        }
    }
}
