package io.github.cma4j.cli;

import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * embed → train end to end: a feature model exported to ONNX by Tribuo itself (no downloaded weights) turns an NPY
 * set into new features, and train reads them.
 */
class EmbedCommandTest {
    @TempDir
    Path dir;

    @Test
    void embeddedFeaturesTrain() throws Exception {
        // an NPY set: 3 sites, 4 raw features
        Path raw = Files.createDirectories(dir.resolve("raw"));
        SplittableRandom rng = new SplittableRandom(2);
        int n = 150;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) rng.nextGaussian();
            }
            y[i] = x[i * 4] + x[i * 4 + 1] > 0 ? 1 : 0;
        }
        NpyFile.write(raw.resolve("features.npy"), x, new int[]{n, 4});
        NpyFile.write(raw.resolve("labels.npy"), y, new int[]{n});
        NpyFile.write(raw.resolve("domains.npy"), d, new int[]{n});
        Files.write(raw.resolve("domains.txt"), List.of("a", "b", "c"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // a "backbone": a model trained on the raw set, exported to ONNX by Tribuo ([N, 4] -> class scores)
        assertEquals(0, cl.execute("train", "--dataset", raw.toString(), "--algorithm", "ERM", "--test-env", "c",
                "--steps", "50", "--out", dir.resolve("backbone-run").toString()), err.toString());
        LinearSGDModel backbone = (LinearSGDModel) Model.deserializeFromFile(dir.resolve("backbone-run/model.tribuo"));
        Path onnx = dir.resolve("backbone.onnx");
        backbone.saveONNXModel("io.github.cma4j.test", 1, onnx);

        Path features = dir.resolve("features");
        assertEquals(0, cl.execute("embed", "--onnx", onnx.toString(), "--dataset", raw.toString(), "--out",
                features.toString(), "--batch-size", "64", "--quiet"), err.toString());
        assertTrue(out.toString().contains("embedded 150 examples"), out.toString());
        assertEquals(150, Files.readAllLines(features.resolve("files.txt")).size());
        assertEquals(0, cl.execute("train", "--dataset", features.toString(), "--algorithm", "CMA", "--anneal", "0",
                "--test-env", "c", "--steps", "50", "--out", dir.resolve("probe").toString()), err.toString());
        assertTrue(out.toString().contains("| c | test |"), out.toString());
        assertEquals(1, cl.execute("embed", "--onnx", dir.resolve("missing.onnx").toString(), "--dataset", raw.toString(),
                "--out", dir.resolve("x").toString()));
        assertTrue(err.toString().contains("missing.onnx"), err.toString());
    }
}
