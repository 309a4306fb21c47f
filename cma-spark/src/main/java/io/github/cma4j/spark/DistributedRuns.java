package io.github.cma4j.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Deterministic runs (a sweep's) as Spark tasks, each publishing its output directory to a shared directory
 * through Hadoop's FileSystem (a local or NFS path, HDFS, S3, …), so that the directory has exactly what a local sweep
 * would write and can be resumed the same way:
 * <ol>
 *     <li>A task runs its job into a fresh directory on the executor's local disk.</li>
 *     <li>It copies everything but the finished marker into {@code _tmp-<id>-<attempt>} beside the result and
 *     renames that to {@code <id>} (atomic on local file systems and HDFS; a copy on S3).</li>
 *     <li>Only then, and only if the job finished, it writes the marker into {@code <id>}.</li>
 * </ol>
 * A run counts as finished exactly when its marker exists. Before launching, the driver skips finished runs and
 * deletes unfinished ones and {@code _tmp-} leftovers, so a killed job re-run skips what finished, redoes the
 * rest, and never shows a torn or duplicated record. Two attempts of one task (a retry, speculation) publish the
 * same bytes (runs are seeded); the second finds the first's and discards its own.
 */
public final class DistributedRuns {
    private static final String TMP = "_tmp-";

    private DistributedRuns() {
    }

    /** One run, by id. Shipped to the executors: it and what it holds must be serialisable. */
    @FunctionalInterface
    public interface Job extends Serializable {
        /**
         * Runs one job, writing its files (and its finished marker, if it finishes) under {@code dir}.
         *
         * @param id  the run's id (its directory name).
         * @param dir an empty directory on the executor's local disk.
         * @return what the driver should print (warnings), in order; empty if nothing.
         * @throws Exception if the run failed; what it wrote is published, without the marker.
         */
        List<String> run(String id, java.nio.file.Path dir) throws Exception;
    }

    /**
     * @param id       the run.
     * @param finished whether it finished (its marker is published).
     * @param error    why it failed, or null.
     * @param messages what the run asked the driver to print.
     */
    public record Outcome(String id, boolean finished, String error, List<String> messages) implements Serializable {
    }

    /**
     * @param total    runs asked for.
     * @param skipped  already finished before this job.
     * @param outcomes the runs made now, in the order asked.
     */
    public record Summary(int total, int skipped, List<Outcome> outcomes) {
    }

    /**
     * Runs the unfinished runs as one Spark job, one task per run.
     *
     * @param jsc    the Spark context.
     * @param ids    the runs' ids (directory names), distinct.
     * @param out    the shared directory, a Hadoop URI or path.
     * @param marker the name of a finished run's marker file.
     * @param job    the run.
     * @return what was skipped and what each run did.
     * @throws IOException if the shared directory cannot be listed, cleaned or created.
     */
    public static Summary run(JavaSparkContext jsc, List<String> ids, String out, String marker, Job job) throws IOException {
        Map<String, String> conf = new HashMap<>();
        jsc.hadoopConfiguration().forEach(e -> conf.put(e.getKey(), e.getValue()));
        FileSystem fs = fileSystem(out, conf);
        Path root = new Path(out);
        fs.mkdirs(root);
        for (FileStatus s : fs.listStatus(root)) {
            if (s.getPath().getName().startsWith(TMP)) {
                fs.delete(s.getPath(), true);        // a killed task's half-copied directory
            }
        }
        List<String> todo = new ArrayList<>();
        for (String id : ids) {
            Path dir = new Path(root, id);
            if (fs.exists(new Path(dir, marker))) {
                continue;
            }
            fs.delete(dir, true);                    // unfinished: redone from scratch, as the local sweep does
            todo.add(id);
        }
        List<Outcome> outcomes = todo.isEmpty() ? List.of() : jsc.parallelize(todo, todo.size())
                .map(id -> runAndPublish(id, out, marker, conf, job)).collect();
        return new Summary(ids.size(), ids.size() - todo.size(), outcomes);
    }

    private static FileSystem fileSystem(String out, Map<String, String> conf) throws IOException {
        Configuration c = new Configuration(false);
        conf.forEach(c::set);
        FileSystem fs = FileSystem.get(URI.create(out), c);
        fs.setWriteChecksum(false);          // no .crc files beside the records on local disks
        return fs;
    }

    private static Outcome runAndPublish(String id, String out, String marker, Map<String, String> conf, Job job)
            throws IOException {
        java.nio.file.Path local = Files.createTempDirectory("cma4j-run-");
        java.nio.file.Path dir = local.resolve(id);
        Files.createDirectories(dir);
        String error = null;
        List<String> messages = List.of();
        try {
            messages = List.copyOf(job.run(id, dir));
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        try {
            FileSystem fs = fileSystem(out, conf);
            Path target = new Path(out, id);
            java.nio.file.Path markerFile = dir.resolve(marker);
            boolean finished = error == null && Files.exists(markerFile);
            byte[] markerBytes = finished ? Files.readAllBytes(markerFile) : null;
            Files.deleteIfExists(markerFile);
            TaskContext task = TaskContext.get();
            Path tmp = new Path(out, TMP + id + "-" + (task == null ? 0 : task.taskAttemptId()));
            fs.delete(tmp, true);
            fs.copyFromLocalFile(false, true, new Path(dir.toUri()), tmp);
            if (!fs.exists(target)) {
                fs.rename(tmp, target);
            }
            fs.delete(tmp, true);                                // another attempt published first
            fs.delete(new Path(target, tmp.getName()), true);    // or renamed into it at the same moment
            if (finished) {
                try (var stream = fs.create(new Path(target, marker), true)) {
                    stream.write(markerBytes);
                }
            }
            return new Outcome(id, finished, error != null ? error : finished ? null : "the run wrote no " + marker, messages);
        } finally {
            deleteLocal(local);
        }
    }

    private static void deleteLocal(java.nio.file.Path dir) throws IOException {
        try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
            for (java.nio.file.Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
