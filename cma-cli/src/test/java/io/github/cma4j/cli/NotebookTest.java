package io.github.cma4j.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs docs/notebook.jsh in a non-interactive jshell on the test class path. */
class NotebookTest {

    @Test
    void notebookRunsWithoutExceptionsAndReachesItsCheckLine() throws IOException, InterruptedException {
        Path notebook = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/notebook.jsh");
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(jshell.toString(), "--class-path", classPath,
                "-R-Xmx1g"));
        for (String open : System.getProperty("cma4j.test.sparkOpens", "").split(" ")) {
            if (!open.isEmpty()) {
                command.add("-R" + open);      // cell 10 runs Spark
            }
        }
        command.add(notebook.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();     // no interactive input: jshell exits after the file
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "jshell did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        Files.writeString(Path.of("target", "notebook-output.txt"), text);
        assertFalse(text.contains("Exception") || text.contains("|  Error:"), "the notebook failed:\n" + text);
        assertTrue(text.contains("NOTEBOOK CHECK OK"), "final check line missing:\n" + text);
        // every cell prints what it shows: a cell that stops printing fails here
        String[][] cells = {
                {"[1] ", "examples"},
                {"[2] worst-group accuracy: ERM ", "worst group"},
                {"[3] first step {", "gradPenalty"},
                {"[4] read 450 examples of 3 features", "east held out"},
                {"[5] accuracy ", "macro F1"},
                {"[6] {", "age"},
                {"[7] P_hess = ", "|dP/dX|"},
                {"[8] ONNX Runtime [", "Tribuo ["},
                {"[9] farthest domain: ", "| east | held out |"},
                {"[10] Spark: converged", "accuracy per site"}};
        for (String[] cell : cells) {
            int at = text.indexOf(cell[0]);
            assertTrue(at >= 0, "cell " + cell[0].trim() + " printed nothing:\n" + text);
            assertTrue(text.indexOf(cell[1], at) >= 0, "cell " + cell[0].trim() + " lacks '" + cell[1] + "':\n" + text);
        }
    }
}
