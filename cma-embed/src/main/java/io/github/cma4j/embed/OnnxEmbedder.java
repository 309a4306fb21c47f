package io.github.cma4j.embed;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.github.cma4j.datasets.io.ImageFolderReader;
import io.github.cma4j.datasets.io.NpyArray;
import org.jetbrains.bio.npy.NpyFile;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Features from a frozen pretrained network (the CMA paper's linear-probing setting): runs a user's ONNX model
 * through ONNX Runtime over an image tree or an NPY feature set, in batches, and writes what {@code cma4j train}
 * reads — {@code features.npy} (n × k, float32), {@code labels.npy}, {@code domains.npy}, {@code classes.txt},
 * {@code domains.txt} and {@code files.txt} (each row's source file, or its row in the input).
 * <p>
 * The model has one input: images {@code [N, C, H, W]} (float32, C = 3) or features {@code [N, d]}; its first
 * output, flattened per example, is the feature vector. Images are resized (bilinear) to the model's H × W (or
 * {@link Preprocessing#size} when the model's are dynamic), scaled to [0, 1], put in RGB or BGR order and normalised
 * per channel, (x − mean) / std, ImageNet's constants by default.
 */
public final class OnnxEmbedder implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;
    private final long[] inputShape;

    /**
     * Image preprocessing.
     *
     * @param size      width and height when the model's input does not fix them.
     * @param bgr       channel order BGR instead of RGB.
     * @param mean      per-channel mean subtracted after scaling to [0, 1].
     * @param std       per-channel standard deviation divided by.
     */
    public record Preprocessing(int size, boolean bgr, float[] mean, float[] std) {
        /** Validates. */
        public Preprocessing {
            if (size < 1 || mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("preprocessing needs size >= 1 and three means and stds");
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
                }
            }
        }

        /** @return 224 px, RGB, ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). */
        public static Preprocessing imageNet() {
            return new Preprocessing(224, false, new float[]{0.485f, 0.456f, 0.406f}, new float[]{0.229f, 0.224f, 0.225f});
        }
    }

    /**
     * @param model an .onnx file with one input.
     * @throws IOException naming the file if ONNX Runtime cannot load it or its input is not a float tensor of rank
     *                     2 or 4.
     */
    public OnnxEmbedder(Path model) throws IOException {
        try {
            session = env.createSession(model.toString(), new OrtSession.SessionOptions());
            if (session.getInputInfo().size() != 1) {
                throw new IOException(model + ": the model has inputs " + session.getInputNames() + "; cma4j needs exactly one");
            }
            Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
            if (!(in.getValue().getInfo() instanceof TensorInfo t) || (t.getShape().length != 2 && t.getShape().length != 4)) {
                throw new IOException(model + ": input '" + in.getKey() + "' is " + in.getValue().getInfo()
                        + "; cma4j feeds images [N, C, H, W] or features [N, d]");
            }
            input = in.getKey();
            inputShape = t.getShape();
        } catch (OrtException e) {
            throw new IOException(model + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        }
    }

    /** @return the model's input shape (−1 for dynamic dimensions). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * Runs one batch.
     *
     * @param batch the inputs, row-major.
     * @param shape their shape, batch first.
     * @return one feature vector per example (the first output, flattened).
     * @throws IOException if ONNX Runtime fails, with its message.
     */
    public float[][] run(float[] batch, long[] shape) throws IOException {
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), shape);
             OrtSession.Result result = session.run(Map.of(input, tensor))) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            long[] outShape = out.getInfo().getShape();
            int n = (int) outShape[0];
            FloatBuffer values = out.getFloatBuffer();
            int k = values.remaining() / Math.max(1, n);
            float[][] rows = new float[n][k];
            for (int i = 0; i < n; i++) {
                values.get(rows[i]);
            }
            return rows;
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime failed on a batch of shape " + Arrays.toString(shape) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Embeds an image tree {@code root/<domain>/<class>/*.png|jpg} into {@code out}.
     *
     * @param root      the tree.
     * @param pre       preprocessing.
     * @param batchSize images per batch.
     * @param out       the output directory (created).
     * @param progress  told the number of images done after each batch.
     * @return the number of rows written.
     * @throws IOException naming an unreadable image, or if the model does not take images.
     */
    public int embedImages(Path root, Preprocessing pre, int batchSize, Path out, IntConsumer progress) throws IOException {
        if (inputShape.length != 4) {
            throw new IOException("the model takes features " + Arrays.toString(inputShape) + ", not images; give it an NPY set");
        }
        if (inputShape[1] > 0 && inputShape[1] != 3) {
            throw new IOException("the model takes " + inputShape[1] + " channels; cma4j feeds RGB images (3)");
        }
        int h = inputShape[2] > 0 ? (int) inputShape[2] : pre.size();
        int w = inputShape[3] > 0 ? (int) inputShape[3] : pre.size();
        ImageFolderReader.Tree tree = ImageFolderReader.index(root);
        int n = tree.files().size();
        int plane = h * w;
        List<float[]> features = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            int m = Math.min(batchSize, n - from);
            float[] batch = new float[m * 3 * plane];
            for (int r = 0; r < m; r++) {
                float[] rgb = ImageFolderReader.pixels(ImageFolderReader.decode(tree.files().get(from + r)), w, h, false);
                for (int c = 0; c < 3; c++) {
                    int source = pre.bgr() ? 2 - c : c;
                    for (int p = 0; p < plane; p++) {
                        batch[(r * 3 + c) * plane + p] = (rgb[source * plane + p] - pre.mean()[c]) / pre.std()[c];
                    }
                }
            }
            features.addAll(List.of(run(batch, new long[]{m, 3, h, w})));
            progress.accept(from + m);
        }
        List<String> files = tree.files().stream().map(f -> root.relativize(f).toString()).toList();
        write(out, features, tree.labels(), tree.domains(), tree.classNames(), tree.domainNames(), files);
        return n;
    }

    /**
     * Embeds an NPY set (a directory with features.npy, labels.npy, domains.npy, optional classes.txt and
     * domains.txt) through a feature model into {@code out}.
     *
     * @param dir       the input set.
     * @param batchSize rows per batch.
     * @param out       the output directory (created).
     * @param progress  told the number of rows done after each batch.
     * @return the number of rows written.
     * @throws IOException naming the file and what is wrong.
     */
    public int embedFeatures(Path dir, int batchSize, Path out, IntConsumer progress) throws IOException {
        NpyArray x = NpyArray.read(dir.resolve("features.npy"));
        if (x.shape().length != 2) {
            throw new IOException(dir.resolve("features.npy") + ": features must be 2-D, shape is " + Arrays.toString(x.shape()));
        }
        int n = x.shape()[0];
        int d = x.shape()[1];
        if (inputShape.length != 2 || (inputShape[1] > 0 && inputShape[1] != d)) {
            throw new IOException("the model's input is " + Arrays.toString(inputShape) + "; the features are " + n + " x " + d);
        }
        float[] values = x.finiteFloats();
        List<float[]> features = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            int m = Math.min(batchSize, n - from);
            features.addAll(List.of(run(Arrays.copyOfRange(values, from * d, (from + m) * d), new long[]{m, d})));
            progress.accept(from + m);
        }
        int[] labels = NpyArray.read(dir.resolve("labels.npy")).ids("labels");
        int[] domains = NpyArray.read(dir.resolve("domains.npy")).ids("domains");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add("features.npy row " + i);
        }
        write(out, features, labels, domains, lines(dir.resolve("classes.txt")), lines(dir.resolve("domains.txt")), rows);
        return n;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : null;
    }

    /** Writes an NPY set; each file goes to a temporary name first, so a killed run leaves no half-written set. */
    private static void write(Path out, List<float[]> features, int[] labels, int[] domains, List<String> classes,
                              List<String> domainNames, List<String> sources) throws IOException {
        Files.createDirectories(out);
        int n = features.size();
        int k = features.get(0).length;
        float[] flat = new float[n * k];
        for (int i = 0; i < n; i++) {
            System.arraycopy(features.get(i), 0, flat, i * k, k);
        }
        Path tmp = Files.createTempDirectory(out, ".embedding");
        NpyFile.write(tmp.resolve("features.npy"), flat, new int[]{n, k});
        NpyFile.write(tmp.resolve("labels.npy"), labels, new int[]{n});
        NpyFile.write(tmp.resolve("domains.npy"), domains, new int[]{n});
        if (classes != null) {
            Files.write(tmp.resolve("classes.txt"), classes, StandardCharsets.UTF_8);
        }
        if (domainNames != null) {
            Files.write(tmp.resolve("domains.txt"), domainNames, StandardCharsets.UTF_8);
        }
        Files.write(tmp.resolve("files.txt"), sources, StandardCharsets.UTF_8);
        try (var files = Files.list(tmp)) {
            for (Path f : files.toList()) {
                Files.move(f, out.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.delete(tmp);
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IOException(e);
        }
    }
}
