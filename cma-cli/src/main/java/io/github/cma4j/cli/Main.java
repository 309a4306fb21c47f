package io.github.cma4j.cli;

import io.github.cma4j.datasets.fashion.FashionMnist;
import io.github.cma4j.experiments.DatasetCatalog;
import io.github.cma4j.experiments.Report;
import io.github.cma4j.experiments.RunSpec;
import io.github.cma4j.experiments.Sweep;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The {@code cma4j} command. Exit codes: 0 success, 2 usage error (with help), 1 any other failure (with a
 * message naming the problem).
 */
@Command(name = "cma4j", mixinStandardHelpOptions = true, version = "cma4j 0.1.0-SNAPSHOT",
        description = "Domain generalization with closed-form moment alignment (CMA) and DomainBed's baselines.",
        subcommands = {Main.Demo.class, Main.Train.class, Main.SweepCommand.class, Main.ReportCommand.class, Main.Datasets.class,
                EmbedCommand.class, DiagnoseCommand.class, LinearProbeCommand.class, IrmProtocolCommand.class, IrmProtocolCommand.Table.class,
                JshellCommand.class},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:success", "1:failure (the message says why)", "2:usage error"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command line.
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            Throwable shown = ex instanceof java.io.UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
            cmd.getErr().println("cma4j " + cmd.getCommandName() + ": " + (shown.getMessage() == null ? shown : shown.getMessage()));
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** Options shared by the commands that run experiments. */
    static class Common {
        @Option(names = "--data-dir", description = "directory holding Fashion-MNIST (else $CMA4J_FASHION_MNIST, Debian's package, the cache)")
        Path dataDir;
        @Option(names = {"-q", "--quiet"}, description = "print only the results")
        boolean quiet;

        Consumer<String> progress(PrintWriter err) {
            quietLogs();
            return quiet ? s -> { } : line -> {
                synchronized (err) {
                    err.println(line);
                    err.flush();
                }
            };
        }

        /**
         * A progress bar with ETA when standard error is a terminal; otherwise the plain periodic lines of
         * {@link #progress}. {@code total} counts checkpoints; each checkpoint line advances the bar.
         */
        Consumer<String> progress(PrintWriter err, long total, List<AutoCloseable> closeables) {
            if (quiet || System.console() == null) {
                return progress(err);
            }
            quietLogs();
            me.tongfei.progressbar.ProgressBar bar = new me.tongfei.progressbar.ProgressBarBuilder().setTaskName("cma4j")
                    .setInitialMax(total).setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII).showSpeed().build();
            closeables.add(bar);
            return line -> {
                if (line.contains(" step ")) {
                    bar.step();
                    bar.setExtraMessage(line.length() > 60 ? line.substring(0, 60) : line);
                }
            };
        }
    }

    /**
     * Tribuo logs two INFO lines per training run; the runner prints the trainer's warnings itself, with the run's id
     * (and records them), so the trainer's own log lines would only repeat them.
     */
    static void quietLogs() {
        Logger.getLogger("").setLevel(Level.WARNING);
        Logger.getLogger(io.github.cma4j.tribuo.DomainLinearSGDTrainer.class.getName()).setLevel(Level.SEVERE);
    }

    static long checkpoints(List<RunSpec> runs) {
        return runs.stream().mapToLong(r -> (r.steps() + r.checkpointFreq() - 1) / r.checkpointFreq()).sum();
    }

    static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a progress bar cannot fail in a way the user needs to hear about
            }
        }
    }

    /** DomainBed's number of steps, the default of train and sweep: every registered warm-up default ends before it. */
    static final String DEFAULT_STEPS = "5001";

    /**
     * The overrides with every warm-up of the algorithm set to {@code anneal} (whatever its registry key:
     * penalty_anneal_iters, irm_penalty_anneal_iters, …), or unchanged when {@code anneal} is null.
     */
    static Map<String, String> withAnneal(String algorithm, Map<String, String> overrides, Integer anneal) {
        Map<String, String> out = new LinkedHashMap<>(overrides);
        if (anneal != null) {
            io.github.cma4j.core.algorithm.Algorithms.get(algorithm).annealKeys().forEach(k -> out.put(k, Integer.toString(anneal)));
        }
        return out;
    }

    static Map<String, String> parseOverrides(CommandLine cl, List<String> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(cl, "--hparam takes name=value, got '" + p + "'");
            }
            m.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
        }
        return m;
    }

    /** {@code cma4j demo}. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Compare ERM, CORAL, Fishr and CMA on ColoredFashionMNIST (2x14x14) if Fashion-MNIST is present, "
                    + "else on the built-in spurious-feature suite; print the table and write results.jsonl, report.md, "
                    + "report.tex and PNG plots.")
    static final class Demo implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Common common = new Common();
        @Option(names = "--out", defaultValue = "cma4j-out/demo", description = "output directory (default: ${DEFAULT-VALUE})")
        Path out;
        @Option(names = "--algorithms", split = ",", defaultValue = "ERM,CORAL,Fishr,CMA", description = "default: ${DEFAULT-VALUE}")
        List<String> algorithms;
        @Option(names = "--steps", defaultValue = "600", description = "steps per run (default: ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--workers", defaultValue = "2", description = "parallel runs (default: ${DEFAULT-VALUE})")
        int workers;
        @Option(names = "--trials", defaultValue = "3", description = "trial seeds per algorithm (default: ${DEFAULT-VALUE})")
        int trials;
        @Option(names = "--n-hparams", defaultValue = "2",
                description = "hyperparameter configurations per algorithm: DomainBed's defaults and n-1 random draws (default: ${DEFAULT-VALUE})")
        int numHparams;
        @Option(names = "--dataset", defaultValue = "auto",
                description = "auto (ColoredFashionMNIST14 if Fashion-MNIST is found, else SpuriousFeatures), or a dataset name")
        String datasetChoice;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter outWriter = spec.commandLine().getOut();
            String dataset;
            if (datasetChoice.equalsIgnoreCase("auto")) {
                try {
                    FashionMnist.locate(common.dataDir);
                    dataset = "ColoredFashionMNIST14";
                } catch (IOException missing) {
                    dataset = "SpuriousFeatures";
                    outWriter.println("Fashion-MNIST not found, so the demo runs on the built-in spurious-feature suite.");
                    outWriter.println("For ColoredFashionMNIST: apt-get install " + FashionMnist.DEBIAN_PACKAGE
                            + ", or set " + FashionMnist.ENV_VAR + ", or run './cma4j datasets --download'.");
                }
            } else {
                dataset = DatasetCatalog.get(datasetChoice).name();
            }
            List<List<String>> testSets = DatasetCatalog.get(dataset).defaultTestEnvs().stream()
                    .filter(t -> !t.equals("val")).map(List::of).toList();
            List<RunSpec> runs = new ArrayList<>();
            int anneal = Math.max(1, steps / 3);     // DomainBed anneals at half of 5001 steps; a short demo anneals early
            for (String algorithm : algorithms) {
                Map<String, String> overrides = new java.util.LinkedHashMap<>();
                for (String key : io.github.cma4j.core.algorithm.Algorithms.get(algorithm).annealKeys()) {
                    overrides.put(key, Integer.toString(anneal));
                }
                runs.addAll(Sweep.grid(List.of(dataset), List.of(algorithm), Map.of(dataset, testSets), numHparams, trials,
                        steps, Math.max(1, steps / 4), overrides));
            }
            long start = System.nanoTime();
            List<AutoCloseable> bars = new ArrayList<>();
            try {
                Sweep.run(runs, out.resolve("runs"), common.dataDir, workers, common.progress(err, checkpoints(runs), bars));
            } finally {
                closeAll(bars);
            }
            Report report = Report.load(List.of(out.resolve("runs")));
            List<Path> files = new ArrayList<>(report.write(out));
            Path all = out.resolve("results.jsonl");
            StringBuilder lines = new StringBuilder();
            try (Stream<Path> walk = Files.walk(out.resolve("runs"))) {
                for (Path f : walk.filter(p -> p.getFileName().toString().equals("results.jsonl")).sorted().toList()) {
                    lines.append(Files.readString(f));
                }
            }
            io.github.cma4j.experiments.ResultsFile.writeAtomically(all,
                    lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0]);
            files.add(0, all);
            outWriter.println(report.render(false).split("## Model selection: leave-one-domain-out")[0].trim());
            outWriter.printf(java.util.Locale.ROOT, "%nSelected by training-domain validation: per algorithm and trial seed, the "
                    + "configuration (of %d: DomainBed's defaults and %d random draw(s)) and checkpoint with the best accuracy on "
                    + "the training domains' held-out 20%%; the test domain was not looked at. Mean ± standard error over %d "
                    + "trial seeds. report.md has the other two rules.%n", numHparams, numHparams - 1, trials);
            outWriter.printf(java.util.Locale.ROOT, "%nDemo on %s: %d runs in %.0f s. Files in %s:%n", dataset, runs.size(),
                    (System.nanoTime() - start) / 1e9, out.toAbsolutePath().normalize());
            files.forEach(f -> outWriter.println("  " + f.getFileName()));
            outWriter.flush();
            return 0;
        }
    }

    /** How to read a user's own data when {@code --dataset} names a path (train and sweep). */
    static final class DataOptions {
        @Option(names = "--label-column", defaultValue = "label", description = "CSV: the label column (default: ${DEFAULT-VALUE})")
        String labelColumn;
        @Option(names = "--domain-column", defaultValue = "domain", description = "CSV: the domain column (default: ${DEFAULT-VALUE})")
        String domainColumn;
        @Option(names = "--group-column", description = "CSV: a group column, for worst-group accuracy")
        String groupColumn;
        @Option(names = "--features", split = ",", description = "CSV: the feature columns (default: every other column)")
        List<String> features;
        @Option(names = "--image-size", defaultValue = "28", description = "image trees: width and height (default: ${DEFAULT-VALUE})")
        int imageSize;

        /** A built-in name as it is; a path as its spec (absolute, with these options). */
        String resolve(String dataset) {
            boolean builtIn = DatasetCatalog.ENTRIES.stream().anyMatch(e -> e.name().equalsIgnoreCase(dataset));
            if (builtIn || !io.github.cma4j.experiments.UserData.isPath(dataset)) {
                return DatasetCatalog.get(dataset).name();
            }
            return io.github.cma4j.experiments.UserData.spec(Path.of(dataset),
                    new io.github.cma4j.experiments.UserData.Options(labelColumn, domainColumn, groupColumn, features, imageSize));
        }
    }

    /**
     * Per-domain accuracy of a run's last record, for the console: each domain's in and out parts, worst-group
     * accuracy where the data has groups, and which domains were held out.
     */
    static String summary(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("results.jsonl"));
        com.fasterxml.jackson.databind.JsonNode last = io.github.cma4j.experiments.ExperimentRunner.json().readTree(lines.get(lines.size() - 1));
        List<String> tests = new ArrayList<>();
        last.get("args").get("test_envs").forEach(t -> tests.add(t.asText()));
        boolean groups = last.has("env0_in_wga");
        StringBuilder sb = new StringBuilder("| domain | role | accuracy (in) | accuracy (out) | macro F1 (in)"
                + (groups ? " | worst group (in) |" : " |") + "\n|---|---|---|---|---|" + (groups ? "---|" : "") + "\n");
        double worstTest = Double.POSITIVE_INFINITY;
        int i = 0;
        for (com.fasterxml.jackson.databind.JsonNode d : last.get("domains")) {
            boolean test = tests.contains(d.asText());
            double in = last.path("env" + i + "_in_acc").asDouble(Double.NaN);
            sb.append(String.format(java.util.Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f |", d.asText(), test ? "test" : "train", in,
                    last.path("env" + i + "_out_acc").asDouble(Double.NaN), last.path("env" + i + "_in_f1").asDouble(Double.NaN)));
            if (groups) {
                double wga = last.path("env" + i + "_in_wga").asDouble(Double.NaN);
                sb.append(String.format(java.util.Locale.ROOT, " %.3f |", wga));
                worstTest = test ? Math.min(worstTest, wga) : worstTest;
            }
            sb.append("\n");
            i++;
        }
        if (groups && Double.isFinite(worstTest)) {
            sb.append(String.format(java.util.Locale.ROOT, "worst-group accuracy on the test domain(s): %.3f%n", worstTest));
        }
        return sb.toString();
    }

    /** The model of a run: the linear probe or a featurizer trained end to end (train and sweep). */
    static final class ModelOptions {
        @Option(names = "--featurizer", defaultValue = "linear",
                description = "linear (probe the inputs), MLP or MNIST_CNN (train the featurizer end to end) (default: ${DEFAULT-VALUE})")
        String featurizer;
        @Option(names = "--eval-examples", defaultValue = "0",
                description = "examples per domain and split evaluated at a checkpoint, 0 = all (default: ${DEFAULT-VALUE})")
        int evalExamples;
        @Option(names = "--standardize", description = "linear probe: standardise the features on the training domains "
                + "(folded back into the model, which reads raw features)")
        boolean standardize;
    }

    /** {@code cma4j train}. */
    @Command(name = "train", mixinStandardHelpOptions = true, description = "One run: train with one algorithm, leaving out the test domain(s).")
    static final class Train implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Common common = new Common();
        @Option(names = "--dataset", required = true, description = "a built-in dataset (see 'cma4j datasets') or your "
                + "data: a CSV (.csv, .tsv, .csv.gz), a directory of .npy arrays, or an image tree root/domain/class/*.png")
        String dataset;
        @CommandLine.Mixin
        DataOptions data = new DataOptions();
        @Option(names = "--algorithm", required = true, description = "algorithm name (docs/algorithms.md)")
        String algorithm;
        @Option(names = "--test-env", required = true, split = ",", description = "test domain name(s)")
        List<String> testEnvs;
        @Option(names = "--hparams-seed", defaultValue = "0", description = "0 = defaults (default: ${DEFAULT-VALUE})")
        long hparamsSeed;
        @Option(names = "--trial-seed", defaultValue = "0", description = "data and split seed (default: ${DEFAULT-VALUE})")
        long trialSeed;
        @Option(names = "--hparam", description = "override a hyperparameter, name=value (repeatable)")
        List<String> hparams = new ArrayList<>();
        @Option(names = "--steps", defaultValue = DEFAULT_STEPS, description = "default: ${DEFAULT-VALUE} (DomainBed's)")
        int steps;
        @Option(names = "--anneal", description = "warm-up steps of every penalty of the algorithm, whatever its key "
                + "(penalty_anneal_iters, irm_penalty_anneal_iters, ...); default: the registry's")
        Integer anneal;
        @Option(names = "--checkpoint-freq", defaultValue = "100", description = "default: ${DEFAULT-VALUE}")
        int checkpointFreq;
        @Option(names = "--keep-last-finite", description = "if the run diverges, keep the model of its last finite step "
                + "(model.last-finite.tribuo); the run is still recorded as failed")
        boolean keepLastFinite;
        @CommandLine.Mixin
        ModelOptions model = new ModelOptions();
        @Option(names = "--out", required = true, description = "output directory of the run: new or empty, or an "
                + "unfinished run of this configuration (run again from its start)")
        Path out;

        @Override
        public Integer call() throws IOException {
            String name = io.github.cma4j.core.algorithm.Algorithms.get(algorithm).name();
            RunSpec run = new RunSpec(data.resolve(dataset), name, testEnvs, hparamsSeed, trialSeed, steps,
                    checkpointFreq, withAnneal(name, parseOverrides(spec.commandLine(), hparams), anneal),
                    model.featurizer, model.evalExamples, model.standardize);
            run.validate();
            io.github.cma4j.experiments.ExperimentRunner.run(run, out, common.dataDir, common.progress(spec.commandLine().getErr()),
                    keepLastFinite);
            spec.commandLine().getOut().print(summary(out));
            spec.commandLine().getOut().println("run " + run.id() + " done: " + out.resolve("results.jsonl")
                    + ", model " + out.resolve(model.featurizer.equals(RunSpec.LINEAR) ? "model.tribuo" : "model.cma4j"));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code cma4j sweep}. */
    @Command(name = "sweep", mixinStandardHelpOptions = true,
            description = "Algorithms x datasets x test domains x hparams seeds x trial seeds; resumable (finished runs are skipped).")
    static final class SweepCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Mixin
        Common common = new Common();
        @Option(names = "--datasets", required = true, split = ",", description = "built-in datasets or paths to your data (as train's --dataset)")
        List<String> datasets;
        @CommandLine.Mixin
        DataOptions data = new DataOptions();
        @Option(names = "--algorithms", required = true, split = ",")
        List<String> algorithms;
        @Option(names = "--test-envs", split = ",", description = "single test domains (default: each dataset's usual ones)")
        List<String> testEnvs;
        @Option(names = "--single-test-envs", description = "only the single-test-domain runs; without it, as in DomainBed, "
                + "also the runs holding out each test domain with one other domain, which leave-one-domain-out selection needs")
        boolean singleTestEnvs;
        @Option(names = "--n-hparams", defaultValue = "1", description = "hparams seeds 0..n-1; 0 = defaults (default: ${DEFAULT-VALUE})")
        int numHparams;
        @Option(names = "--n-trials", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
        int numTrials;
        @Option(names = "--steps", defaultValue = DEFAULT_STEPS, description = "default: ${DEFAULT-VALUE} (DomainBed's)")
        int steps;
        @Option(names = "--anneal", description = "warm-up steps of every penalty of every algorithm (default: the registry's "
                + "or the random search's)")
        Integer anneal;
        @Option(names = "--checkpoint-freq", defaultValue = "100", description = "default: ${DEFAULT-VALUE}")
        int checkpointFreq;
        @Option(names = "--workers", defaultValue = "1", description = "parallel runs (default: ${DEFAULT-VALUE})")
        int workers;
        @Option(names = "--hparam", description = "override a hyperparameter for every run, name=value (repeatable)")
        List<String> hparams = new ArrayList<>();
        @CommandLine.Mixin
        ModelOptions model = new ModelOptions();
        @Option(names = "--out", required = true, description = "the sweep's directory; with --spark also an hdfs:// or s3a:// URI")
        String out;
        @Option(names = "--spark", paramLabel = "MASTER", description = "run the runs as Spark tasks: local[N], spark://host:port, "
                + "yarn, or 'submit' under spark-submit; every executor must reach the data at the same path")
        String sparkMaster;
        @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "a Spark setting for --spark (repeatable)")
        List<String> sparkConf = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            if (sparkMaster == null && !sparkConf.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--spark-conf needs --spark");
            }
            if (sparkMaster != null && workers != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workers is for a local sweep; with --spark, "
                        + "Spark runs as many runs at once as it has cores (local[N], executors)");
            }
            List<String> datasets = this.datasets.stream().map(data::resolve).toList();
            Map<String, List<List<String>>> envSets = new LinkedHashMap<>();
            for (String d : datasets) {
                List<String> singles = testEnvs != null ? testEnvs : DatasetCatalog.get(d).defaultTestEnvs();
                List<String> domains = singleTestEnvs ? List.of()
                        : io.github.cma4j.experiments.ExperimentRunner.dataset(DatasetCatalog.get(d).name(), 0, common.dataDir).domainNames();
                envSets.put(DatasetCatalog.get(d).name(), testEnvSets(singles, domains));
            }
            List<String> algorithmNames = algorithms.stream().map(a -> io.github.cma4j.core.algorithm.Algorithms.get(a).name()).toList();
            Map<String, String> overrides = parseOverrides(spec.commandLine(), hparams);
            List<RunSpec> runs = new ArrayList<>();
            for (String algorithm : algorithmNames) {
                runs.addAll(Sweep.grid(datasets, List.of(algorithm), envSets, numHparams, numTrials, steps, checkpointFreq,
                        withAnneal(algorithm, overrides, anneal), model.featurizer, model.evalExamples, model.standardize));
            }
            Sweep.Summary s;
            if (sparkMaster != null) {
                s = sparkSweep(runs);
            } else {
                List<AutoCloseable> bars = new ArrayList<>();
                try {
                    s = Sweep.run(runs, Path.of(out), common.dataDir, workers,
                            common.progress(spec.commandLine().getErr(), checkpoints(runs), bars));
                } finally {
                    closeAll(bars);
                }
            }
            spec.commandLine().getOut().println("sweep done: " + s.total() + " runs (" + s.skipped() + " already done, "
                    + s.ran() + " run now) in " + out);
            return 0;
        }

        private Sweep.Summary sparkSweep(List<RunSpec> runs) throws IOException {
            try {
                Class.forName("org.apache.spark.SparkContext");
            } catch (ClassNotFoundException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--spark needs Apache Spark 3.5 on the class path: "
                        + "run cma4j under spark-submit, or with ./cma4j, whose class path has it");
            }
            Map<String, String> conf = new LinkedHashMap<>();
            for (String pair : sparkConf) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--spark-conf " + pair + ": expected KEY=VALUE");
                }
                conf.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            PrintWriter err = spec.commandLine().getErr();
            return io.github.cma4j.experiments.SparkSweep.run(runs, out, common.dataDir,
                    sparkMaster.equals("submit") ? null : sparkMaster, conf, line -> {
                        err.println(line);
                        err.flush();
                    });
        }
    }

    /**
     * The test-domain sets of a sweep: each single test domain, and unless {@code domains} is empty, each of them
     * paired with every other domain (each pair once), for leave-one-domain-out selection.
     */
    static List<List<String>> testEnvSets(List<String> singles, List<String> domains) {
        List<List<String>> sets = new ArrayList<>();
        singles.forEach(t -> sets.add(List.of(t)));
        java.util.Set<java.util.Set<String>> seen = new java.util.HashSet<>();
        for (String t : singles) {
            for (String v : domains) {
                if (!v.equals(t) && seen.add(java.util.Set.of(t, v))) {
                    sets.add(List.of(t, v));
                }
            }
        }
        return sets;
    }

    /** {@code cma4j report}. */
    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Tables for the three model-selection rules (mean ± SE over trials), Markdown or LaTeX, and PNG plots.")
    static final class ReportCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(arity = "1..*", description = "sweep or run directories")
        List<Path> dirs;
        @Option(names = "--latex", description = "print LaTeX instead of Markdown")
        boolean latex;
        @Option(names = "--out", description = "also write report.md, report.tex and PNG plots here")
        Path out;
        @Option(names = "--include-unfinished", description = "include runs without the done marker, marked (unfinished)")
        boolean includeUnfinished;

        @Override
        public Integer call() throws IOException {
            Report report = Report.load(dirs, includeUnfinished);
            report.notes().forEach(n -> spec.commandLine().getErr().println("cma4j report: " + n));
            if (report.size() == 0) {
                throw new IOException("no records found under " + dirs);
            }
            spec.commandLine().getOut().print(report.render(latex));
            if (out != null) {
                report.write(out).forEach(f -> spec.commandLine().getOut().println("wrote " + f));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code cma4j datasets}. */
    @Command(name = "datasets", mixinStandardHelpOptions = true, description = "List the datasets, where their files are, and verify checksums.")
    static final class Datasets implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--data-dir", description = "directory holding Fashion-MNIST")
        Path dataDir;
        @Option(names = "--download", description = "download Fashion-MNIST into the cache (needs internet), verifying checksums")
        boolean download;
        @Option(names = "--base-url", defaultValue = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                description = "download location (default: ${DEFAULT-VALUE})")
        String baseUrl;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (download) {
                Path dir = FashionMnist.download(FashionMnist.defaultCacheDirectory(), baseUrl, FashionMnist.Manifest.OFFICIAL);
                out.println("downloaded and verified Fashion-MNIST into " + dir);
            }
            String fashion;
            String failure = null;       // a copy that was found (or named) but is not usable: exit 1
            Path dir = null;
            try {
                dir = FashionMnist.locate(dataDir);
                FashionMnist.Pool pool = FashionMnist.load(dir);
                fashion = "found in " + dir + ", " + pool.size() + " images, checksums verified";
            } catch (IOException e) {
                fashion = "NOT AVAILABLE: " + e.getMessage().replace("\n", "\n    ");
                if (dir != null || dataDir != null) {
                    failure = e.getMessage();
                }
            }
            for (DatasetCatalog.Entry e : DatasetCatalog.ENTRIES) {
                out.printf("%-22s %s%n    %s%n", e.name(), e.description(), e.needsFashionMnist() ? "Fashion-MNIST " + fashion
                        : "generated (seeded by the trial seed), always available");
            }
            out.flush();
            if (failure != null) {
                spec.commandLine().getErr().println("cma4j datasets: Fashion-MNIST failed verification: " + failure);
                return 1;
            }
            return 0;
        }
    }
}
