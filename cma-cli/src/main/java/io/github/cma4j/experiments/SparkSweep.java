package io.github.cma4j.experiments;

import io.github.cma4j.spark.DistributedRuns;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.SparkContext;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A sweep whose runs are Spark tasks ({@link DistributedRuns}): the same runs, the same directory layout and the
 * same records as {@link Sweep#run}, so {@code cma4j report} reads either, and either resumes the other's
 * directory. Every executor must reach the data ({@code --data-dir} or the dataset's path) at the same path.
 */
public final class SparkSweep {
    private SparkSweep() {
    }

    /**
     * @param out a directory: a path on this machine (for local[N] or a shared mount) or a Hadoop URI (hdfs://, s3a://).
     * @return its URI: an absolute {@code file:} URI for a path without a scheme.
     */
    public static String outUri(String out) {
        URI uri = URI.create(out.replace(" ", "%20"));
        if (uri.getScheme() != null && uri.getScheme().length() > 1) {      // "C:" is a drive, not a scheme
            return out;
        }
        return Path.of(out).toAbsolutePath().normalize().toUri().toString();
    }

    /**
     * Runs every run not yet finished as one Spark job.
     *
     * @param runs     the runs.
     * @param out      the sweep's directory, see {@link #outUri}.
     * @param dataDir  Fashion-MNIST directory or null, the same on every executor.
     * @param master   Spark's master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}), or null to take
     *                 it from spark-submit.
     * @param conf     more Spark settings. Not modified.
     * @param progress receives progress lines.
     * @return counts.
     * @throws IOException naming the first failed run (the others still finish), or if the directory cannot be used.
     */
    public static Sweep.Summary run(List<RunSpec> runs, String out, Path dataDir, String master, Map<String, String> conf,
                                    Consumer<String> progress) throws IOException {
        Sweep.validateAll(runs);
        Map<String, RunSpec> byId = new LinkedHashMap<>();
        runs.forEach(r -> byId.put(r.id(), r));
        String uri = outUri(out);
        String data = dataDir == null ? null : dataDir.toAbsolutePath().toString();
        SparkConf sparkConf = new SparkConf().setAppName("cma4j sweep").setIfMissing("spark.ui.showConsoleProgress", "true");
        if (master != null) {
            sparkConf.setMaster(master);
        }
        conf.forEach(sparkConf::set);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(sparkConf));
        try {
            progress.accept("sweep: " + runs.size() + " runs as Spark tasks on " + jsc.master() + ", results in " + uri);
            DistributedRuns.Summary s = DistributedRuns.run(jsc, List.copyOf(byId.keySet()), uri, ResultsFile.DONE,
                    (id, dir) -> {
                        // checkpoint lines stay on the executor; warnings travel back to the driver's console
                        List<String> warnings = new java.util.ArrayList<>();
                        ExperimentRunner.run(byId.get(id), dir, data == null ? null : Path.of(data), line -> {
                            if (line.contains(": warning: ")) {
                                warnings.add(line);
                            }
                        });
                        return warnings;
                    });
            String firstFailure = null;
            for (DistributedRuns.Outcome o : s.outcomes()) {
                o.messages().forEach(progress);
                progress.accept("sweep: " + (o.finished() ? "finished " : "FAILED ") + o.id() + (o.finished() ? "" : ": " + o.error()));
                if (!o.finished() && firstFailure == null) {
                    firstFailure = o.id() + ": " + o.error();
                }
            }
            if (firstFailure != null) {
                throw new IOException("a run failed (its directory has failed.json and no done marker; run the sweep again "
                        + "to retry it): " + firstFailure);
            }
            return new Sweep.Summary(s.total(), s.skipped(), s.outcomes().size());
        } finally {
            jsc.stop();
        }
    }
}
