package io.github.cma4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.cma4j.experiments.ExperimentRunner;
import io.github.cma4j.experiments.ResultsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What the kill-and-resume tests compare: a sweep directory's runs, and the command in a JVM of its own. */
final class SweepRecords {
    private SweepRecords() {
    }

    /**
     * @return run directory name → its file names, then its records without the wall-clock field (a torn line
     * throws).
     */
    static Map<String, List<String>> of(Path sweep) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> runs = Files.list(sweep)) {
            for (Path run : runs.toList()) {
                List<String> lines = new ArrayList<>();
                try (Stream<Path> files = Files.list(run)) {
                    lines.add(files.map(p -> p.getFileName().toString()).sorted().toList().toString());
                }
                for (String line : Files.readAllLines(run.resolve(ResultsFile.RESULTS))) {
                    JsonNode node = ExperimentRunner.json().readTree(line);
                    ((ObjectNode) node).remove("step_time");
                    lines.add(ExperimentRunner.json().writeValueAsString(node));
                }
                out.put(run.getFileName().toString(), lines);
            }
        }
        return out;
    }

    /** @return the runs in {@code sweep} with the done marker (0 if it does not exist yet). */
    static long doneRuns(Path sweep) throws IOException {
        if (!Files.isDirectory(sweep)) {
            return 0;
        }
        try (Stream<Path> runs = Files.list(sweep)) {
            return runs.filter(ResultsFile::isDone).count();
        }
    }

    /** @return {@code java … Main args} on the test class path, with Spark's JDK openings. */
    static List<String> javaCommand(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        command.addAll(Arrays.asList(System.getProperty("cma4j.test.sparkOpens", "").split(" ")));
        command.addAll(List.of("-cp", cp, Main.class.getName()));
        command.addAll(List.of(args));
        command.removeIf(String::isEmpty);
        return command;
    }
}
