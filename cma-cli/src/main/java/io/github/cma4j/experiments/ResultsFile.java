package io.github.cma4j.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A run's {@code results.jsonl}, appended to atomically: each append writes the whole new content to a temporary
 * file in the same directory and renames it over the old one, so a crash leaves either the old file or the new
 * one, never a torn line. {@link #markDone} writes the {@code done} marker the same way, after the last record.
 */
public final class ResultsFile {
    /** The records' file name. */
    public static final String RESULTS = "results.jsonl";
    /** The marker of a finished run. */
    public static final String DONE = "done";

    private ResultsFile() {
    }

    /**
     * @param dir  the run's directory.
     * @param line one JSON object, without a newline.
     * @throws IOException on a write error.
     */
    public static void append(Path dir, String line) throws IOException {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a record must be a single line");
        }
        Path file = dir.resolve(RESULTS);
        byte[] old = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        byte[] add = (line + "\n").getBytes(StandardCharsets.UTF_8);
        writeAtomically(file, old, add);
    }

    /** Writes the {@code done} marker atomically. */
    public static void markDone(Path dir) throws IOException {
        writeAtomically(dir.resolve(DONE), "done\n".getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /** @return whether the run in {@code dir} finished. */
    public static boolean isDone(Path dir) {
        return Files.exists(dir.resolve(DONE));
    }

    /**
     * Writes a whole file atomically (temporary file + rename).
     *
     * @param file  destination.
     * @param first bytes.
     * @param then  more bytes.
     * @throws IOException on a write error.
     */
    public static void writeAtomically(Path file, byte[] first, byte[] then) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, first, StandardOpenOption.TRUNCATE_EXISTING);
            Files.write(tmp, then, StandardOpenOption.APPEND);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
