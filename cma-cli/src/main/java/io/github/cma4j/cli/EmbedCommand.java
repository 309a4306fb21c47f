package io.github.cma4j.cli;

import io.github.cma4j.embed.OnnxEmbedder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cma4j embed}: features from a frozen ONNX backbone, written as an NPY set that train and sweep read. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Run your ONNX image or feature model (ONNX Runtime) over an image tree root/<domain>/<class>/*.png|jpg "
                + "or an NPY set, and write features.npy, labels.npy, domains.npy, classes.txt, domains.txt and files.txt "
                + "into --out, for 'cma4j train --dataset OUT'.")
final class EmbedCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--onnx", required = true, description = "the model (.onnx): one input, [N, 3, H, W] images or [N, d] features")
    Path model;
    @Option(names = "--dataset", required = true, description = "an image tree, or a directory with features.npy, labels.npy, domains.npy")
    Path dataset;
    @Option(names = "--out", required = true, description = "output directory of the NPY set")
    Path out;
    @Option(names = "--batch-size", defaultValue = "32", description = "default: ${DEFAULT-VALUE}")
    int batchSize;
    @Option(names = "--size", defaultValue = "224", description = "image width and height when the model leaves them open (default: ${DEFAULT-VALUE})")
    int size;
    @Option(names = "--bgr", description = "feed channels in BGR order (default RGB)")
    boolean bgr;
    @Option(names = "--mean", split = ",", defaultValue = "0.485,0.456,0.406", description = "per-channel mean (default: ImageNet's)")
    List<Float> mean;
    @Option(names = "--std", split = ",", defaultValue = "0.229,0.224,0.225", description = "per-channel std (default: ImageNet's)")
    List<Float> std;
    @Option(names = {"-q", "--quiet"}, description = "no progress")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(dataset)) {
            throw new IOException("--dataset " + dataset + ": no such file or directory");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException("--out " + out + " is a file, not a directory");
        }
        if (batchSize < 1 || mean.size() != 3 || std.size() != 3) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1; --mean and --std take 3 values");
        }
        OnnxEmbedder.Preprocessing pre = new OnnxEmbedder.Preprocessing(size, bgr,
                new float[]{mean.get(0), mean.get(1), mean.get(2)}, new float[]{std.get(0), std.get(1), std.get(2)});
        long start = System.nanoTime();
        int rows;
        try (OnnxEmbedder embedder = new OnnxEmbedder(model);
             me.tongfei.progressbar.ProgressBar bar = quiet ? null : new me.tongfei.progressbar.ProgressBarBuilder()
                     .setTaskName("embed").setInitialMax(-1).setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII)
                     .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
            java.util.function.IntConsumer progress = done -> {
                if (bar != null) {
                    bar.stepTo(done);
                }
            };
            rows = Files.exists(dataset.resolve("features.npy"))
                    ? embedder.embedFeatures(dataset, batchSize, out, progress)
                    : embedder.embedImages(dataset, pre, batchSize, out, progress);
        }
        spec.commandLine().getOut().printf(java.util.Locale.ROOT, "embedded %d examples in %.1f s into %s (train with: "
                + "cma4j train --dataset %s ...)%n", rows, (System.nanoTime() - start) / 1e9, out, out);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
