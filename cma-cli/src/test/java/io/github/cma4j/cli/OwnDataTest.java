package io.github.cma4j.cli;

import io.github.cma4j.experiments.ExperimentRunner;
import io.github.cma4j.experiments.ResultsFile;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.VariableInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's own CSV and NPY data through train, sweep and report, as a new user would run them. */
class OwnDataTest {
    @TempDir
    Path dir;

    private final CliSession cli = new CliSession();

    /** Three sites; the label follows age and score, and in two sites also a site-specific shortcut. */
    private Path csv() throws IOException {
        SplittableRandom rng = new SplittableRandom(7);
        List<String> lines = new ArrayList<>(List.of("site,age,score,shortcut,outcome"));
        for (String site : new String[]{"north", "south", "east"}) {
            for (int i = 0; i < 120; i++) {
                double age = rng.nextGaussian();
                double score = rng.nextGaussian();
                boolean yes = age + 0.5 * score > 0;
                double shortcut = (site.equals("east") ? -1 : 1) * (yes ? 1 : -1) + 0.3 * rng.nextGaussian();
                lines.add(String.format(java.util.Locale.ROOT, "%s,%.4f,%.4f,%.4f,%s", site, age, score, shortcut, yes ? "yes" : "no"));
            }
        }
        return Files.write(dir.resolve("patients.csv"), lines);
    }

    @Test
    void aCsvTrainsWithItsOwnColumnNamesAndReports() throws IOException {
        Path data = csv();
        Path run = dir.resolve("run");
        assertEquals(0, cli.run("train", "--dataset", data.toString(), "--domain-column", "site", "--label-column", "outcome",
                "--algorithm", "CMA", "--test-env", "east", "--steps", "200", "--anneal", "50", "--checkpoint-freq", "100",
                "--out", run.toString()), cli.err.toString());
        assertTrue(cli.out.toString().contains("| east | test |") && cli.out.toString().contains("| north | train |"), cli.out.toString());
        String args = ExperimentRunner.json().readTree(Files.readAllLines(run.resolve(ResultsFile.RESULTS)).get(0))
                .get("args").get("dataset").asText();
        assertEquals(data.toAbsolutePath() + "?label=outcome&domain=site", args);
        Model<?> model = Model.deserializeFromFile(run.resolve("model.tribuo"));
        TreeSet<String> names = new TreeSet<>();
        for (VariableInfo v : model.getFeatureIDMap()) {
            names.add(v.getName());
        }
        assertEquals(new TreeSet<>(List.of("age", "score", "shortcut")), names, "the user's column names, not f0000");

        Path chosen = dir.resolve("chosen");
        assertEquals(0, cli.run("train", "--dataset", data.toString(), "--domain-column", "site", "--label-column", "outcome",
                "--features", "age,score", "--algorithm", "ERM", "--test-env", "east", "--steps", "50", "--out", chosen.toString()));
        assertEquals(2, Model.deserializeFromFile(chosen.resolve("model.tribuo")).getFeatureIDMap().size());

        Path sweep = dir.resolve("sweep");
        assertEquals(0, cli.run("sweep", "--datasets", data.toString(), "--domain-column", "site", "--label-column", "outcome",
                "--algorithms", "ERM,CMA", "--steps", "100", "--anneal", "20", "--checkpoint-freq", "50", "--quiet",
                "--out", sweep.toString()), cli.err.toString());
        assertEquals(0, cli.run("report", sweep.toString()));
        assertTrue(cli.out.toString().contains("| CMA |") && cli.out.toString().contains("east"), cli.out.toString());
        // with the pair runs DomainBed's sweep makes, leave-one-domain-out selection has numbers, not X
        String lodo = cli.out.toString().split("## Model selection: leave-one-domain-out")[1].split("## Model selection")[0];
        assertTrue(lodo.contains("| CMA |") && !lodo.contains("| X"), lodo);
    }

    @Test
    void aDirectoryOfNpyArraysTrains() throws IOException {
        Path npy = Files.createDirectories(dir.resolve("features"));
        SplittableRandom rng = new SplittableRandom(3);
        int n = 90;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) rng.nextGaussian();
            }
            y[i] = x[i * 4] > 0 ? 1 : 0;
        }
        NpyFile.write(npy.resolve("features.npy"), x, new int[]{n, 4});
        NpyFile.write(npy.resolve("labels.npy"), y, new int[]{n});
        NpyFile.write(npy.resolve("domains.npy"), d, new int[]{n});
        Files.write(npy.resolve("domains.txt"), List.of("siteA", "siteB", "siteC"));
        Path run = dir.resolve("npyrun");
        assertEquals(0, cli.run("train", "--dataset", npy.toString(), "--algorithm", "VREx", "--test-env", "siteC",
                "--steps", "60", "--out", run.toString()), cli.err.toString());
        assertTrue(cli.out.toString().contains("| siteC | test |"), cli.out.toString());
        // one file pair per domain
        Path perDomain = Files.createDirectories(dir.resolve("per-domain"));
        for (int e = 0; e < 3; e++) {
            int m = n / 3;
            NpyFile.write(perDomain.resolve("site" + "ABC".charAt(e) + ".npy"), java.util.Arrays.copyOfRange(x, e * m * 4, (e + 1) * m * 4),
                    new int[]{m, 4});
            NpyFile.write(perDomain.resolve("site" + "ABC".charAt(e) + ".labels.npy"), java.util.Arrays.copyOfRange(y, e * m, (e + 1) * m),
                    new int[]{m});
        }
        assertEquals(0, cli.run("train", "--dataset", perDomain.toString(), "--algorithm", "ERM", "--test-env", "siteB",
                "--steps", "30", "--out", dir.resolve("per-domain-run").toString()), cli.err.toString());
        assertTrue(cli.out.toString().contains("| siteB | test |"), cli.out.toString());
        assertEquals(1, cli.run("train", "--dataset", dir.resolve("missing.csv").toString(), "--algorithm", "ERM",
                "--test-env", "x", "--out", dir.resolve("m").toString()));
        assertTrue(cli.err.toString().contains("unknown dataset") && cli.err.toString().contains("missing.csv"), cli.err.toString());
    }

    @Test
    void diagnoseMapsTheDomainsOfATrainedModel() throws IOException {
        Path data = csv();
        Path run = dir.resolve("erm");
        assertEquals(0, cli.run("train", "--dataset", data.toString(), "--domain-column", "site", "--label-column", "outcome",
                "--algorithm", "ERM", "--test-env", "east", "--steps", "200", "--out", run.toString()), cli.err.toString());
        Path diag = dir.resolve("diag");
        assertEquals(0, cli.run("diagnose", "--model", run.resolve("model.tribuo").toString(), "--dataset", data.toString(),
                "--domain-column", "site", "--label-column", "outcome", "--test-env", "east", "--out", diag.toString()), cli.err.toString());
        assertTrue(cli.out.toString().contains("| east | held out |") && cli.out.toString().contains("farthest domain: "), cli.out.toString());
        for (String f : new String[]{"diagnostics.md", "diagnostics.tex", "diagnostics.json", "heatmap_hessian.png",
                "heatmap_gradient.png", "gaps.png"}) {
            assertTrue(Files.size(diag.resolve(f)) > 0, f);
        }
        assertTrue(ExperimentRunner.json().readTree(diag.resolve("diagnostics.json").toFile()).has("farthest_domain"));
        // a model of other features, and a held-out domain that is not there: errors that say so
        assertEquals(1, cli.run("diagnose", "--model", run.resolve("model.tribuo").toString(), "--dataset", "SpuriousFeatures",
                "--out", dir.resolve("d2").toString()));
        assertTrue(cli.err.toString().contains("none of the model's 3 features occurs in the data"), cli.err.toString());
        assertEquals(1, cli.run("diagnose", "--model", run.resolve("model.tribuo").toString(), "--dataset", data.toString(),
                "--domain-column", "site", "--label-column", "outcome", "--test-env", "west", "--out", dir.resolve("d3").toString()));
        assertTrue(cli.err.toString().contains("held-out domain 'west' is not in the data"), cli.err.toString());
    }
}
