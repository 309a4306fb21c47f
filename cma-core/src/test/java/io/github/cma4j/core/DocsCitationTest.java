package io.github.cma4j.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every "docs/math.md §N" that a source file of any module cites is a section of docs/math.md, and no source cites
 * a reference file outside the repository.
 */
class DocsCitationTest {
    private static final Pattern CITATION = Pattern.compile("math\\.md}? §(\\d+(?:\\.\\d+)?)");
    private static final Pattern OUTSIDE = Pattern.compile("cma-math\\.md|benchmarks\\.md|java-stack\\.md|style\\.md");

    @Test
    void everyCitedSectionExists() throws IOException {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String math = Files.readString(root.resolve("docs/math.md"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        int citations = 0;
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/target/")).toList();
        }
        for (Path source : sources) {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            Matcher m = CITATION.matcher(text);
            while (m.find()) {
                citations++;
                String section = m.group(1);
                String heading = section.contains(".") ? "\n### " + section + " " : "\n## " + section + ". ";
                if (!math.contains(heading)) {
                    missing.add(root.relativize(source) + " cites §" + section);
                }
            }
            if (OUTSIDE.matcher(text).find()) {
                outside.add(root.relativize(source).toString());
            }
        }
        assertTrue(citations > 20, "citations found: " + citations);
        assertEquals(List.of(), missing, "sections cited but not in docs/math.md");
        assertEquals(List.of(), outside, "sources citing files outside the repository");
    }
}
