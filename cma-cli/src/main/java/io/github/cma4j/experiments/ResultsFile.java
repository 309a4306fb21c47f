package io.github.cma4j.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

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
    /** Why a run failed (step and reason), written instead of {@link #DONE}. */
    public static final String FAILED = "failed.json";
    /** The configuration a run directory belongs to. */
    public static final String RUN = "run.json";
    /** A fine-tuning run's last checkpoint (a directory), from which a killed run resumes. */
    public static final String CHECKPOINT = "checkpoint";

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

    /**
     * Prepares a run's directory so that it holds one configuration only: a new or empty directory is used; one
     * holding an unfinished run of the same configuration is cleared (runs are deterministic, so running it again
     * gives exactly the records of an uninterrupted run), except for a fine-tuning run's {@link #CHECKPOINT} and its
     * records, which the run resumes from; anything else is refused.
     *
     * @param dir    the run's directory.
     * @param config the run's configuration as one JSON line (its {@code args}).
     * @return true if an unfinished run was cleared to run again.
     * @throws IOException saying what is wrong: the path is a file, cannot be created, holds a finished run, a run of
     *                     another configuration, or files that are not a cma4j run.
     */
    public static boolean prepareRunDirectory(Path dir, String config) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is a file, not a directory; --out names the run's directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the run directory " + dir + ": " + describe(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("cannot write to the run directory " + dir);
        }
        Path run = dir.resolve(RUN);
        boolean resumed = false;
        if (Files.exists(run)) {
            String existing = Files.readString(run, StandardCharsets.UTF_8).trim();
            if (!existing.equals(config)) {
                throw new IOException(dir + " holds a run of another configuration (" + existing + "); this run is "
                        + config + ": choose another --out, or delete " + dir);
            }
            if (isDone(dir)) {
                throw new IOException(dir + " already holds this run, finished; choose another --out to run it again");
            }
            resumed = true;
            boolean checkpointed = Files.isDirectory(dir.resolve(CHECKPOINT));
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    String name = p.getFileName().toString();
                    boolean keep = name.equals(RUN) || (checkpointed && (name.equals(CHECKPOINT) || name.equals(RESULTS)));
                    if (!keep) {
                        Sweep.deleteRecursively(p);
                    }
                }
            }
        } else {
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().limit(5).toList();
                if (!names.isEmpty()) {
                    throw new IOException(dir + " is not empty (" + String.join(", ", names) + ", …) and is not a cma4j run "
                            + "directory; choose a new or empty --out");
                }
            }
            writeAtomically(run, (config + "\n").getBytes(StandardCharsets.UTF_8), new byte[0]);
        }
        return resumed;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return e.getClass().getSimpleName() + " " + e.getMessage();
    }

    /**
     * Keeps the records up to and including {@code step} (a resumed run writes the later ones again), atomically.
     *
     * @param dir  the run's directory.
     * @param step the last step to keep.
     * @throws IOException on a read or write error.
     */
    public static void truncateAfter(Path dir, long step) throws IOException {
        Path file = dir.resolve(RESULTS);
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (ExperimentRunner.json().readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
                kept.append(line).append('\n');
            }
        }
        writeAtomically(file, kept.toString().getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    /**
     * Records why a run failed, atomically (the run keeps its records so far and has no {@code done} marker).
     *
     * @param dir    the run's directory.
     * @param record the failure as one JSON object.
     * @throws IOException on a write error.
     */
    public static void markFailed(Path dir, String record) throws IOException {
        writeAtomically(dir.resolve(FAILED), (record + "\n").getBytes(StandardCharsets.UTF_8), new byte[0]);
    }
}
