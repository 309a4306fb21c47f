package io.github.cma4j.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads the records of one or more sweeps and applies DomainBed's three model-selection rules (docs/guide.md §6):
 * <ol>
 *     <li><b>training-domain validation</b>: single-test-domain runs; per run the checkpoint with the highest mean
 *     {@code env{i}_out_acc} over the training domains; across hparams seeds the run with the highest value;</li>
 *     <li><b>leave-one-domain-out</b>: per step, the mean over the other domains v of {@code env{v}_in_acc} in the run
 *     whose test domains are {test, v}; the best step of the single-test-domain run; needs every pair run, else
 *     {@code X};</li>
 *     <li><b>test-domain oracle</b>: the last checkpoint, valued by {@code env{test}_out_acc}.</li>
 * </ol>
 * The reported number is always {@code env{test}_in_acc} (and {@code env{test}_in_wga}, worst-group accuracy,
 * where the data has groups), as mean ± standard error over trial seeds (population standard deviation / √n).
 * Lines that are not records (torn, foreign) are skipped and counted, never fatal.
 */
public final class Report {
    /** The rules, in DomainBed's order of presentation. */
    public enum Selection {
        /** Training-domain validation (DomainBed's IIDAccuracySelectionMethod). */
        TRAINING_DOMAIN_VALIDATION("training-domain validation"),
        /** Leave-one-domain-out cross-validation. */
        LEAVE_ONE_DOMAIN_OUT("leave-one-domain-out"),
        /** Test-domain validation (oracle). */
        ORACLE("test-domain oracle");

        private final String title;

        Selection(String title) {
            this.title = title;
        }

        /** @return the rule's name for tables. */
        public String title() {
            return title;
        }
    }

    /** One checkpoint record. */
    record Checkpoint(String dataset, String algorithm, List<String> testEnvs, long hparamsSeed, long trialSeed, long step,
                      List<String> domains, JsonNode node) {
        double acc(String domain, String part, String metric) {
            int i = domains.indexOf(domain);
            JsonNode v = node.get("env" + i + "_" + part + "_" + metric);
            return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
        }
    }

    private final List<Checkpoint> records = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private int unfinished;
    private int failed;
    private boolean includedUnfinished;

    /**
     * Loads every {@code results.jsonl} under the given directories.
     *
     * @param dirs sweep or run directories.
     * @return the report.
     * @throws IOException if a directory cannot be read.
     */
    public static Report load(List<Path> dirs) throws IOException {
        return load(dirs, false);
    }

    /**
     * Loads every {@code results.jsonl} under the given directories. A run without the {@code done} marker (killed,
     * still running or failed) is skipped and counted unless {@code includeUnfinished}, which adds its records under
     * the algorithm's name marked "(unfinished)". A run that fell back to another algorithm (one training domain)
     * is listed as "REQUESTED (ran EFFECTIVE)".
     *
     * @param dirs              sweep or run directories.
     * @param includeUnfinished whether to include runs that did not finish.
     * @return the report.
     * @throws IOException if a directory cannot be read.
     */
    public static Report load(List<Path> dirs, boolean includeUnfinished) throws IOException {
        Report r = new Report();
        for (Path dir : dirs) {
            if (!Files.exists(dir)) {
                throw new IOException(dir + ": no such directory");
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(p -> p.getFileName().toString().equals(ResultsFile.RESULTS)).sorted().toList();
            }
            for (Path f : files) {
                boolean done = ResultsFile.isDone(f.getParent());
                if (!done) {
                    r.unfinished++;
                    r.failed += Files.exists(f.getParent().resolve(ResultsFile.FAILED)) ? 1 : 0;
                    if (!includeUnfinished) {
                        continue;
                    }
                }
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                for (int n = 0; n < lines.size(); n++) {
                    Checkpoint c = parse(lines.get(n), done);
                    if (c == null) {
                        if (!lines.get(n).isBlank()) {
                            r.skipped.add(f + ":" + (n + 1));
                        }
                    } else {
                        r.records.add(c);
                    }
                }
            }
        }
        r.includedUnfinished = includeUnfinished;
        return r;
    }

    /** @return lines for the top of the report: runs left out or marked, fallbacks. Empty when there are none. */
    public List<String> notes() {
        List<String> notes = new ArrayList<>();
        if (unfinished > 0) {
            notes.add(unfinished + " unfinished run(s)" + (failed > 0 ? " (" + failed + " failed: see their failed.json)" : "")
                    + (includedUnfinished ? " included, marked \"(unfinished)\"" : " left out; --include-unfinished adds them, marked"));
        }
        records.stream().map(Checkpoint::algorithm).filter(a -> a.contains(" (ran ")).distinct().sorted()
                .forEach(a -> notes.add(a + ": the run had one training domain and trained ERM instead"));
        long pairFallbacks = records.stream().filter(c -> c.testEnvs().size() > 1 && c.node().has("algorithm_effective")
                && !c.node().get("algorithm_effective").asText().equals(c.algorithm().replace(" (unfinished)", "")))
                .map(c -> c.dataset() + c.algorithm() + c.testEnvs() + c.hparamsSeed() + c.trialSeed()).distinct().count();
        if (pairFallbacks > 0) {
            notes.add(pairFallbacks + " leave-one-domain-out pair run(s) had one training domain left and trained ERM");
        }
        return notes;
    }

    private static Checkpoint parse(String line, boolean done) {
        try {
            JsonNode node = ExperimentRunner.json().readTree(line);
            JsonNode args = node.get("args");
            if (args == null || node.get("step") == null || node.get("domains") == null) {
                return null;
            }
            List<String> envs = new ArrayList<>();
            args.get("test_envs").forEach(e -> envs.add(e.asText()));
            List<String> domains = new ArrayList<>();
            node.get("domains").forEach(d -> domains.add(d.asText()));
            String algorithm = args.get("algorithm").asText();
            JsonNode effective = node.get("algorithm_effective");
            // a single-test-domain run that fell back is its own row; a pair run (only read for leave-one-domain-out
            // validation) keeps its algorithm's name, and the fallback is noted above the tables
            if (effective != null && !effective.asText().equals(algorithm) && envs.size() == 1) {
                algorithm += " (ran " + effective.asText() + ")";
            }
            if (!done) {
                algorithm += " (unfinished)";
            }
            return new Checkpoint(args.get("dataset").asText(), algorithm, envs,
                    args.get("hparams_seed").asLong(), args.get("trial_seed").asLong(), node.get("step").asLong(), domains, node);
        } catch (IOException | RuntimeException e) {
            return null;      // torn or foreign line
        }
    }

    /** @return the locations (file:line) of lines that were not records. */
    public List<String> skippedLines() {
        return skipped;
    }

    /** @return the number of records read. */
    public int size() {
        return records.size();
    }

    /**
     * The selected value for one cell: one trial seed of (dataset, algorithm, test domain).
     *
     * @return {accuracy, worst-group accuracy}, or null if the rule has no candidate (e.g. missing pair runs).
     */
    double[] select(Selection rule, String dataset, String algorithm, String test, long trial) {
        Checkpoint c = selected(rule, dataset, algorithm, test, trial);
        return c == null ? null : new double[]{c.acc(test, "in", "acc"), c.acc(test, "in", "wga"), c.acc(test, "in", "f1")};
    }

    /** The checkpoint a rule selects for one trial seed, or null if it has no candidate. */
    Checkpoint selected(Selection rule, String dataset, String algorithm, String test, long trial) {
        Map<Long, List<Checkpoint>> single = runs(dataset, algorithm, Set.of(test), trial);
        double bestVal = Double.NEGATIVE_INFINITY;
        Checkpoint best = null;
        for (Map.Entry<Long, List<Checkpoint>> run : single.entrySet()) {
            List<Checkpoint> cps = run.getValue();
            double val;
            Checkpoint chosen;
            switch (rule) {
                case ORACLE -> {
                    chosen = cps.get(cps.size() - 1);
                    val = chosen.acc(test, "out", "acc");
                }
                case TRAINING_DOMAIN_VALIDATION -> {
                    chosen = null;
                    val = Double.NEGATIVE_INFINITY;
                    for (Checkpoint c : cps) {
                        double v = c.domains().stream().filter(d -> !d.equals(test))
                                .mapToDouble(d -> c.acc(d, "out", "acc")).average().orElse(Double.NaN);
                        if (v > val) {
                            val = v;
                            chosen = c;
                        }
                    }
                }
                default -> {
                    chosen = null;
                    val = Double.NEGATIVE_INFINITY;
                    List<String> others = cps.get(0).domains().stream().filter(d -> !d.equals(test)).toList();
                    List<Map<Long, Checkpoint>> pairs = new ArrayList<>();
                    for (String v : others) {
                        List<Checkpoint> pair = runs(dataset, algorithm, Set.of(test, v), trial).get(run.getKey());
                        if (pair == null) {
                            return null;      // a pair run is missing: the cell is X
                        }
                        Map<Long, Checkpoint> byStep = new TreeMap<>();
                        pair.forEach(c -> byStep.put(c.step(), c));
                        pairs.add(byStep);
                    }
                    for (Checkpoint c : cps) {
                        double sum = 0;
                        boolean complete = true;
                        for (int k = 0; k < others.size(); k++) {
                            Checkpoint p = pairs.get(k).get(c.step());
                            if (p == null) {
                                complete = false;
                                break;
                            }
                            sum += p.acc(others.get(k), "in", "acc");
                        }
                        if (complete && sum / others.size() > val) {
                            val = sum / others.size();
                            chosen = c;
                        }
                    }
                }
            }
            if (chosen != null && val > bestVal) {
                bestVal = val;
                best = chosen;
            }
        }
        return best;
    }

    private static final String[] METRICS = {"accuracy", "worst-group accuracy", "macro F1"};

    /**
     * The test domain's confusion matrix (rows: true class, columns: predicted) at the checkpoint training-domain
     * validation selects, for trial seed 0 of every algorithm and test domain whose records carry one.
     */
    String confusionMatrices() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<String>> ds : testDomains().entrySet()) {
            for (String algorithm : algorithms(ds.getKey())) {
                for (String test : ds.getValue()) {
                    Checkpoint c = selected(Selection.TRAINING_DOMAIN_VALIDATION, ds.getKey(), algorithm, test, 0);
                    JsonNode m = c == null ? null : c.node().get("env" + c.domains().indexOf(test) + "_in_confusion");
                    JsonNode classes = c == null ? null : c.node().get("classes");
                    if (m == null || classes == null) {
                        continue;
                    }
                    if (sb.length() == 0) {
                        sb.append("\n## Confusion matrices (training-domain validation, trial seed 0; rows true, columns predicted)\n");
                    }
                    sb.append("\n### ").append(ds.getKey()).append(", ").append(algorithm).append(", test domain ").append(test)
                            .append(" (step ").append(c.step()).append(")\n\n| true \\ predicted |");
                    classes.forEach(k -> sb.append(" ").append(k.asText()).append(" |"));
                    sb.append("\n|---|");
                    classes.forEach(k -> sb.append("---|"));
                    sb.append("\n");
                    for (int r = 0; r < m.size(); r++) {
                        sb.append("| ").append(classes.get(r).asText()).append(" |");
                        m.get(r).forEach(v -> sb.append(" ").append(v.asLong()).append(" |"));
                        sb.append("\n");
                    }
                }
            }
        }
        return sb.toString();
    }

    /** The metrics the dataset's records have: accuracy, worst-group accuracy (with groups), macro F1. */
    private List<Integer> metrics(String dataset) {
        List<Integer> out = new ArrayList<>(List.of(0));
        if (records.stream().anyMatch(c -> c.dataset().equals(dataset) && c.node().has("env0_in_wga"))) {
            out.add(1);
        }
        if (records.stream().anyMatch(c -> c.dataset().equals(dataset) && c.node().has("env0_in_f1"))) {
            out.add(2);
        }
        return out;
    }

    /** hparams seed → checkpoints by step, for runs with exactly these test domains. */
    private Map<Long, List<Checkpoint>> runs(String dataset, String algorithm, Set<String> testEnvs, long trial) {
        Map<Long, List<Checkpoint>> out = new TreeMap<>();
        for (Checkpoint c : records) {
            if (c.dataset().equals(dataset) && c.algorithm().equals(algorithm) && c.trialSeed() == trial
                    && new LinkedHashSet<>(c.testEnvs()).equals(testEnvs) && c.testEnvs().size() == testEnvs.size()) {
                out.computeIfAbsent(c.hparamsSeed(), k -> new ArrayList<>()).add(c);
            }
        }
        out.values().forEach(l -> l.sort(Comparator.comparingLong(Checkpoint::step)));
        return out;
    }

    /** mean ± SE over trials of a selected metric; null when a trial has no value. */
    double[] cell(Selection rule, String dataset, String algorithm, String test, int metric) {
        List<Long> trials = records.stream().filter(c -> c.dataset().equals(dataset) && c.algorithm().equals(algorithm)
                && c.testEnvs().contains(test)).map(Checkpoint::trialSeed).distinct().sorted().toList();
        if (trials.isEmpty()) {
            return null;
        }
        double[] values = new double[trials.size()];
        for (int t = 0; t < trials.size(); t++) {
            double[] s = select(rule, dataset, algorithm, test, trials.get(t));
            if (s == null || Double.isNaN(s[metric])) {
                return null;
            }
            values[t] = s[metric];
        }
        double mean = 0;
        for (double v : values) {
            mean += v / values.length;
        }
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean) / values.length;      // ddof = 0, as DomainBed
        }
        return new double[]{mean, Math.sqrt(var) / Math.sqrt(values.length)};
    }

    /** @return the datasets, algorithms and test domains that appear, in order of first appearance. */
    private Map<String, List<String>> testDomains() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Checkpoint c : records) {
            if (c.testEnvs().size() == 1) {
                List<String> l = out.computeIfAbsent(c.dataset(), k -> new ArrayList<>());
                if (!l.contains(c.testEnvs().get(0))) {
                    l.add(c.testEnvs().get(0));
                }
            }
        }
        out.forEach((d, envs) -> {
            List<String> order = records.stream().filter(c -> c.dataset().equals(d)).findFirst().orElseThrow().domains();
            envs.sort(Comparator.comparingInt(order::indexOf));
        });
        return out;
    }

    /** The algorithms of a dataset, in registry order (unknown names last, alphabetically). */
    private List<String> algorithms(String dataset) {
        List<String> registry = io.github.cma4j.core.algorithm.Algorithms.names();
        return records.stream().filter(c -> c.dataset().equals(dataset)).map(Checkpoint::algorithm).distinct()
                .sorted(Comparator.comparingInt((String a) -> registry.indexOf(a) < 0 ? Integer.MAX_VALUE : registry.indexOf(a))
                        .thenComparing(Comparator.naturalOrder())).toList();
    }

    /**
     * Renders every table.
     *
     * @param latex LaTeX tabulars instead of Markdown.
     * @return the text.
     */
    public String render(boolean latex) {
        StringBuilder sb = new StringBuilder();
        for (String note : notes()) {
            sb.append(latex ? "% " : "> ").append(note).append("\n");
        }
        if (!notes().isEmpty()) {
            sb.append("\n");
        }
        Map<String, List<String>> datasets = testDomains();
        for (Selection rule : Selection.values()) {
            sb.append(latex ? "% " : "## ").append("Model selection: ").append(rule.title()).append("\n\n");
            for (Map.Entry<String, List<String>> ds : datasets.entrySet()) {
                for (int metric : metrics(ds.getKey())) {
                    String title = ds.getKey() + " — " + METRICS[metric];
                    List<String> header = new ArrayList<>();
                    header.add("Algorithm");
                    header.addAll(ds.getValue());
                    header.add("Avg");
                    List<List<String>> rows = new ArrayList<>();
                    for (String algorithm : algorithms(ds.getKey())) {
                        List<String> row = new ArrayList<>();
                        row.add(algorithm);
                        double sum = 0;
                        boolean missing = false;
                        for (String env : ds.getValue()) {
                            double[] c = cell(rule, ds.getKey(), algorithm, env, metric);
                            if (c == null) {
                                row.add("X");
                                missing = true;
                            } else {
                                row.add(String.format(Locale.ROOT, "%.1f ± %.1f", 100 * c[0], 100 * c[1]));
                                sum += c[0];
                            }
                        }
                        row.add(missing ? "X" : String.format(Locale.ROOT, "%.1f", 100 * sum / ds.getValue().size()));
                        rows.add(row);
                    }
                    sb.append(latex ? latexTable(title, header, rows) : markdownTable(title, header, rows)).append('\n');
                }
            }
        }
        if (!skipped.isEmpty()) {
            sb.append(latex ? "% " : "").append("Skipped ").append(skipped.size()).append(" line(s) that are not records: ")
                    .append(skipped.subList(0, Math.min(10, skipped.size()))).append('\n');
        }
        return sb.toString();
    }

    private static String markdownTable(String title, List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("### ").append(title).append("\n\n| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> sb.append("---|"));
        sb.append('\n');
        rows.forEach(r -> sb.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return sb.toString();
    }

    private static String latexTable(String title, List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("% ").append(title).append("\n\\begin{tabular}{l").append("c".repeat(header.size() - 1))
                .append("}\n\\toprule\n").append(String.join(" & ", header.stream().map(Report::tex).toList())).append(" \\\\\n\\midrule\n");
        rows.forEach(r -> sb.append(String.join(" & ", r.stream().map(Report::tex).toList())).append(" \\\\\n"));
        return sb.append("\\bottomrule\n\\end{tabular}\n").toString();
    }

    private static String tex(String s) {
        return s.replace("±", "$\\pm$").replace("%", "\\%").replace("_", "\\_");
    }

    /**
     * Writes report.md, report.tex and PNG plots (per-domain accuracy under training-domain validation, and the
     * training curves of hparams seed 0, trial 0) into a directory.
     *
     * @param outDir the directory.
     * @return the files written.
     * @throws IOException on a write error.
     */
    public List<Path> write(Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<Path> written = new ArrayList<>();
        Path md = outDir.resolve("report.md");
        ResultsFile.writeAtomically(md, ("# Results\n\n" + render(false) + confusionMatrices())
                .getBytes(StandardCharsets.UTF_8), new byte[0]);
        written.add(md);
        Path tex = outDir.resolve("report.tex");
        ResultsFile.writeAtomically(tex, render(true).getBytes(StandardCharsets.UTF_8), new byte[0]);
        written.add(tex);
        List<String> every = records.stream().map(Checkpoint::algorithm).distinct().sorted().toList();
        for (Map.Entry<String, List<String>> ds : testDomains().entrySet()) {
            for (int metric : metrics(ds.getKey())) {
                if (metric == 2) {
                    continue;      // the plots show accuracy and worst-group accuracy; macro F1 is in the tables
                }
                CategoryChart bars = new CategoryChartBuilder().width(800).height(500)
                        .title(ds.getKey() + ": test-domain " + METRICS[metric] + " (training-domain validation)")
                        .xAxisTitle("test domain").yAxisTitle(METRICS[metric]).build();
                bars.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
                for (String algorithm : algorithms(ds.getKey())) {
                    List<Double> ys = new ArrayList<>();
                    List<Double> errors = new ArrayList<>();
                    for (String env : ds.getValue()) {
                        double[] c = cell(Selection.TRAINING_DOMAIN_VALIDATION, ds.getKey(), algorithm, env, metric);
                        ys.add(c == null ? null : c[0]);          // a missing cell is no bar, not a bar at 0
                        errors.add(c == null ? 0.0 : c[1]);
                    }
                    bars.addSeries(algorithm, ds.getValue(), ys, errors).setFillColor(colour(every, algorithm));
                }
                written.add(save(bars, outDir.resolve((metric == 0 ? "accuracy_" : "worstgroup_") + safe(ds.getKey()))));
            }
            XYChart curves = curves(ds.getKey(), ds.getValue().get(0), every);
            if (!curves.getSeriesCollection().isEmpty()) {
                written.add(save(curves, outDir.resolve("curves_" + safe(ds.getKey()))));
            }
        }
        return written;
    }

    /**
     * The loss and every penalty term of each algorithm's first trial, on a log axis. Points that a log axis cannot
     * show (a penalty of 0, or absent before its warm-up ends) are left out of the series, not the whole series.
     */
    private XYChart curves(String dataset, String test, List<String> every) {
        XYChart curves = new XYChartBuilder().width(800).height(500).title(dataset + ": loss and penalty terms")
                .xAxisTitle("step").yAxisTitle("checkpoint-window mean (log scale)").build();
        curves.getStyler().setYAxisLogarithmic(true);
        org.knowm.xchart.style.markers.Marker[] markers = {org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE,
                org.knowm.xchart.style.markers.SeriesMarkers.SQUARE, org.knowm.xchart.style.markers.SeriesMarkers.DIAMOND,
                org.knowm.xchart.style.markers.SeriesMarkers.TRIANGLE_UP};
        for (String algorithm : algorithms(dataset)) {
            List<Checkpoint> run = runs(dataset, algorithm, Set.of(test), 0).get(0L);
            if (run == null || run.isEmpty()) {
                continue;
            }
            Set<String> terms = new LinkedHashSet<>(List.of("loss"));
            run.forEach(c -> c.node().fieldNames().forEachRemaining(f -> {
                if (f.toLowerCase(Locale.ROOT).endsWith("penalty")) {
                    terms.add(f);
                }
            }));
            int t = 0;
            for (String term : terms) {
                List<Double> steps = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (Checkpoint c : run) {
                    double y = c.node().path(term).asDouble(Double.NaN);
                    if (y > 0 && Double.isFinite(y)) {
                        steps.add((double) c.step());
                        ys.add(y);
                    }
                }
                if (!ys.isEmpty()) {
                    org.knowm.xchart.XYSeries s = curves.addSeries(algorithm + " " + term, steps, ys);
                    s.setLineColor(colour(every, algorithm));
                    s.setMarkerColor(colour(every, algorithm));
                    s.setMarker(markers[t % markers.length]);
                }
                t++;
            }
        }
        return curves;
    }

    /** The same colour for an algorithm in every plot of the report. */
    private static java.awt.Color colour(List<String> algorithms, String algorithm) {
        java.awt.Color[] palette = {org.knowm.xchart.style.colors.XChartSeriesColors.BLUE,
                org.knowm.xchart.style.colors.XChartSeriesColors.ORANGE, org.knowm.xchart.style.colors.XChartSeriesColors.PURPLE,
                org.knowm.xchart.style.colors.XChartSeriesColors.GREEN, org.knowm.xchart.style.colors.XChartSeriesColors.RED,
                org.knowm.xchart.style.colors.XChartSeriesColors.YELLOW, org.knowm.xchart.style.colors.XChartSeriesColors.MAGENTA,
                org.knowm.xchart.style.colors.XChartSeriesColors.PINK};
        return palette[Math.max(0, algorithms.indexOf(algorithm)) % palette.length];
    }

    private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path base) throws IOException {
        BitmapEncoder.saveBitmap(chart, base.toString(), BitmapEncoder.BitmapFormat.PNG);
        return Path.of(base + ".png");
    }

    private static String safe(String s) {
        return Objects.requireNonNull(s).replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
