package io.github.cma4j.cli;

import io.github.cma4j.core.diagnostics.MomentGaps;
import io.github.cma4j.experiments.DatasetCatalog;
import io.github.cma4j.experiments.ExperimentRunner;
import io.github.cma4j.experiments.ResultsFile;
import io.github.cma4j.tribuo.DomainDiagnostics;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.tribuo.Model;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cma4j diagnose}: how far apart a trained linear model's domains are, in the moments CMA aligns. */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = "Per-domain loss, accuracy, gradient and Hessian gaps (Frobenius and spectral) and curvature of a "
                + "Tribuo linear model, pairwise distances between domains, and the farthest domain; Markdown, LaTeX, "
                + "JSON and PNG plots in --out.")
final class DiagnoseCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--model", required = true, description = "a Tribuo LinearSGDModel file (e.g. a run's model.tribuo)")
    Path model;
    @Option(names = "--dataset", required = true, description = "a built-in dataset or your data (as train's --dataset)")
    String dataset;
    @CommandLine.Mixin
    Main.DataOptions data = new Main.DataOptions();
    @Option(names = "--test-env", split = ",", description = "domains the model was not trained on (on the map, not in the mean)")
    List<String> heldOut = new ArrayList<>();
    @Option(names = "--trial-seed", defaultValue = "0", description = "data seed of a generated dataset (default: ${DEFAULT-VALUE})")
    long trialSeed;
    @Option(names = "--data-dir", description = "directory holding Fashion-MNIST")
    Path dataDir;
    @Option(names = "--out", required = true, description = "output directory")
    Path out;
    @Option(names = "--json", description = "print the JSON instead of the tables")
    boolean json;
    @Option(names = "--max-per-domain", defaultValue = "1000",
            description = "examples per domain, a seeded random subset (the exact Hessian distances cost n²·D; default: ${DEFAULT-VALUE}, 0 = all)")
    int maxPerDomain;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(model)) {
            throw new IOException("--model " + model + ": no such file");
        }
        Model<?> loaded = Model.deserializeFromFile(model);
        if (!(loaded instanceof LinearSGDModel linear)) {
            throw new IOException("--model " + model + " is a " + loaded.getClass().getSimpleName()
                    + "; diagnose reads linear softmax models (LinearSGDModel, as cma4j train writes)");
        }
        String name = data.resolve(dataset);
        var multi = ExperimentRunner.dataset(DatasetCatalog.get(name).name(), trialSeed, dataDir);
        if (maxPerDomain > 0) {
            java.util.SplittableRandom rng = new java.util.SplittableRandom(trialSeed);
            List<Integer> rows = new ArrayList<>();
            for (int dom = 0; dom < multi.domainNames().size(); dom++) {
                int[] r = multi.rowsOfDomain(dom).clone();
                io.github.cma4j.datasets.InOutSplit.shuffle(r, rng);
                for (int i = 0; i < Math.min(maxPerDomain, r.length); i++) {
                    rows.add(r[i]);
                }
            }
            multi = multi.subset(rows.stream().mapToInt(Integer::intValue).sorted().toArray(), multi.name());
        }
        DomainDiagnostics d = DomainDiagnostics.of(linear, TribuoDatasets.toTribuo(multi), TribuoDatasets.DOMAIN_KEY,
                new HashSet<>(heldOut));
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException("--out " + out + " is a file, not a directory");
        }
        Files.createDirectories(out);
        String md = "# Moment gaps of " + model.getFileName() + " on " + multi.name() + "\n\n" + d.verdict() + "\n\n" + d.table(false);
        write(out.resolve("diagnostics.md"), md);
        write(out.resolve("diagnostics.tex"), d.table(true));
        String jsonText = ExperimentRunner.json().writerWithDefaultPrettyPrinter().writeValueAsString(d.toMap());
        write(out.resolve("diagnostics.json"), jsonText);
        heatmap(d, true);
        heatmap(d, false);
        bars(d);
        spec.commandLine().getOut().println(json ? jsonText : d.table(false) + "\n" + d.verdict());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static void write(Path file, String text) throws IOException {
        ResultsFile.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    private void heatmap(DomainDiagnostics d, boolean hessian) throws IOException {
        double[][] m = hessian ? d.gaps().hessianDistances() : d.gaps().gradientDistances();
        HeatMapChart chart = new HeatMapChartBuilder().width(700).height(600)
                .title((hessian ? "Hessian" : "gradient") + " distance between domains").build();
        List<Number[]> cells = new ArrayList<>();
        for (int a = 0; a < m.length; a++) {
            for (int b = 0; b < m.length; b++) {
                cells.add(new Number[]{a, b, Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3g", m[a][b]))});
            }
        }
        chart.getStyler().setShowValue(true);
        chart.addSeries("distance", d.domains(), d.domains(), cells);
        BitmapEncoder.saveBitmap(chart, out.resolve(hessian ? "heatmap_hessian" : "heatmap_gradient").toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    private void bars(DomainDiagnostics d) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(500).title("gaps to the training domains' mean")
                .xAxisTitle("domain").yAxisTitle("gap").build();
        List<Double> grad = new ArrayList<>();
        List<Double> hess = new ArrayList<>();
        List<Double> spectral = new ArrayList<>();
        for (MomentGaps.Domain g : d.gaps().domains()) {
            grad.add(g.gradientGap());
            hess.add(g.hessianGap());
            spectral.add(g.hessianGapNorm2());
        }
        chart.addSeries("‖g − ḡ‖", d.domains(), grad);
        chart.addSeries("‖H − H̄‖_F", d.domains(), hess);
        chart.addSeries("‖H − H̄‖₂", d.domains(), spectral);
        BitmapEncoder.saveBitmap(chart, out.resolve("gaps").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
