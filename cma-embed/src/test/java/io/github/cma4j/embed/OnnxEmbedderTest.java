package io.github.cma4j.embed;

import ai.onnx.proto.OnnxMl;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.io.NpyArray;
import io.github.cma4j.datasets.io.NpyDomainReader;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A random conv net written here with the ONNX protobuf classes (no downloaded weights), run over an image tree:
 * the features equal a direct computation of the same network, and the output is an NPY set cma4j reads.
 */
class OnnxEmbedderTest {
    private static final int SIZE = 8;
    private static final int FILTERS = 4;

    @TempDir
    Path dir;

    private static OnnxMl.ValueInfoProto value(String name, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String s ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    /** image [N, 3, 8, 8] → Conv 3x3 (4 filters, padding 1) → ReLU → GlobalAveragePool → Flatten → [N, 4]. */
    static Path convNet(Path file, float[] w, float[] b) throws IOException {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("random-conv")
                .addInput(value("image", "N", 3, SIZE, SIZE)).addOutput(value("features", "N", FILTERS))
                .addInitializer(tensor("W", w, FILTERS, 3, 3, 3)).addInitializer(tensor("B", b, FILTERS))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Conv").addInput("image").addInput("W").addInput("B")
                        .addOutput("c").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("pads")
                                .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(1).addInts(1).addInts(1).addInts(1)))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").addInput("c").addOutput("r"))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("GlobalAveragePool").addInput("r").addOutput("p"))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Flatten").addInput("p").addOutput("features"))
                .build();
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("cma4j-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(graph).build();
        Files.write(file, model.toByteArray());
        return file;
    }

    /** The same network computed directly on a preprocessed image (3 × 8 × 8). */
    private static float[] direct(float[] x, float[] w, float[] b) {
        float[] out = new float[FILTERS];
        for (int f = 0; f < FILTERS; f++) {
            double sum = 0;
            for (int i = 0; i < SIZE; i++) {
                for (int j = 0; j < SIZE; j++) {
                    double z = b[f];
                    for (int c = 0; c < 3; c++) {
                        for (int di = -1; di <= 1; di++) {
                            for (int dj = -1; dj <= 1; dj++) {
                                int ii = i + di;
                                int jj = j + dj;
                                if (ii >= 0 && ii < SIZE && jj >= 0 && jj < SIZE) {
                                    z += w[((f * 3 + c) * 3 + di + 1) * 3 + dj + 1] * x[(c * SIZE + ii) * SIZE + jj];
                                }
                            }
                        }
                    }
                    sum += Math.max(0, z);
                }
            }
            out[f] = (float) (sum / (SIZE * SIZE));
        }
        return out;
    }

    @Test
    void embedsAnImageTreeExactlyAndWritesATrainableSet() throws IOException {
        SplittableRandom rng = new SplittableRandom(5);
        float[] w = new float[FILTERS * 27];
        float[] b = new float[FILTERS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rng.nextGaussian() * 0.3f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rng.nextGaussian() * 0.1f;
        }
        Path model = convNet(dir.resolve("net.onnx"), w, b);
        Path root = dir.resolve("tree");
        List<BufferedImage> images = new ArrayList<>();
        for (String domain : new String[]{"art", "photo"}) {
            for (String cls : new String[]{"cat", "dog"}) {
                Files.createDirectories(root.resolve(domain).resolve(cls));
                for (int k = 0; k < 3; k++) {
                    BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < SIZE; y++) {
                        for (int x = 0; x < SIZE; x++) {
                            img.setRGB(x, y, rng.nextInt(1 << 24));
                        }
                    }
                    ImageIO.write(img, "png", root.resolve(domain).resolve(cls).resolve("img" + k + ".png").toFile());
                    images.add(img);
                }
            }
        }
        Path out = dir.resolve("features");
        OnnxEmbedder.Preprocessing pre = OnnxEmbedder.Preprocessing.imageNet();
        List<Integer> progress = new ArrayList<>();
        try (OnnxEmbedder embedder = new OnnxEmbedder(model)) {
            assertEquals(12, embedder.embedImages(root, pre, 5, out, progress::add));
        }
        assertEquals(List.of(5, 10, 12), progress, "batches of 5");
        NpyArray features = NpyArray.read(out.resolve("features.npy"));
        assertEquals(List.of(12, FILTERS), List.of(features.shape()[0], features.shape()[1]));
        float[] got = features.finiteFloats();
        for (int r = 0; r < 12; r++) {
            BufferedImage img = images.get(r);
            float[] x = new float[3 * SIZE * SIZE];
            for (int y = 0; y < SIZE; y++) {
                for (int xx = 0; xx < SIZE; xx++) {
                    int rgb = img.getRGB(xx, y);
                    int[] ch = {(rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF};
                    for (int c = 0; c < 3; c++) {
                        x[(c * SIZE + y) * SIZE + xx] = (ch[c] / 255f - pre.mean()[c]) / pre.std()[c];
                    }
                }
            }
            float[] expected = direct(x, w, b);
            for (int f = 0; f < FILTERS; f++) {
                assertEquals(expected[f], got[r * FILTERS + f], 1e-4, "image " + r + " feature " + f);
            }
        }
        assertEquals(List.of("art/cat/img0.png"), Files.readAllLines(out.resolve("files.txt")).subList(0, 1));
        MultiDomainDataset set = NpyDomainReader.read(out.resolve("features.npy"), out.resolve("labels.npy"),
                out.resolve("domains.npy"), null, Files.readAllLines(out.resolve("classes.txt")),
                Files.readAllLines(out.resolve("domains.txt")));
        assertEquals(List.of("art", "photo"), set.domainNames());
        assertEquals(List.of("cat", "dog"), set.classNames());
        assertEquals(1, set.label(3), "art/dog/img0.png");
    }

    @Test
    void badModelsAndInputsAreNamed() throws IOException {
        Path notOnnx = Files.writeString(dir.resolve("bad.onnx"), "not a model");
        IOException e = assertThrows(IOException.class, () -> new OnnxEmbedder(notOnnx));
        assertTrue(e.getMessage().contains("bad.onnx: ONNX Runtime cannot load it"), e.getMessage());
        Path model = convNet(dir.resolve("net.onnx"), new float[FILTERS * 27], new float[FILTERS]);
        Path npy = Files.createDirectories(dir.resolve("npy"));
        NpyFile.write(npy.resolve("features.npy"), new float[6], new int[]{3, 2});
        try (OnnxEmbedder embedder = new OnnxEmbedder(model)) {
            IOException f = assertThrows(IOException.class, () -> embedder.embedFeatures(npy, 2, dir.resolve("o"), n -> { }));
            assertTrue(f.getMessage().contains("the model's input is [-1, 3, 8, 8]"), f.getMessage());
        }
    }
}
