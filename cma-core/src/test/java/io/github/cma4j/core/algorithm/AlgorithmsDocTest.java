package io.github.cma4j.core.algorithm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * docs/algorithms.md is rendered from the registry, so it cannot drift from the code. To regenerate it after
 * changing an algorithm: {@code mvn -B -ntp test -pl cma-core -Dtest=AlgorithmsDocTest -Dcma4j.writeDocs=true}.
 */
class AlgorithmsDocTest {

    @Test
    void docsMatchTheRegistry() throws IOException {
        Path doc = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/algorithms.md");
        String rendered = Algorithms.markdown();
        if (Boolean.getBoolean("cma4j.writeDocs")) {
            Files.writeString(doc, rendered, StandardCharsets.UTF_8);
        }
        assertEquals(rendered, Files.readString(doc, StandardCharsets.UTF_8),
                "docs/algorithms.md differs from the registry; regenerate it with -Dcma4j.writeDocs=true");
    }
}
