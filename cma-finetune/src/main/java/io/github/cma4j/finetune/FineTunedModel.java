package io.github.cma4j.finetune;

import com.oracle.labs.mlrg.olcut.util.Pair;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.Example;
import org.tribuo.Excuse;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.provenance.ModelProvenance;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fine-tuned classifier: the featurizer's SameDiff graph and the linear softmax head on [F | 1], as a Tribuo
 * {@code Model<Label>} — it predicts with probabilities, works with {@code LabelEvaluator} and
 * {@code DomainEvaluation}, and saves and reloads graph and head together (Java serialization, the graph stored
 * as SameDiff's FlatBuffers; {@link #save}/{@link #load} write atomically). Inputs are the pixel features named
 * as {@code TribuoDatasets.featureNames} names them; a feature outside that shape is an error naming the example.
 */
public final class FineTunedModel extends Model<Label> {
    private static final long serialVersionUID = 1L;
    private static final int PREDICT_BATCH = 1024;

    private transient SameDiff graph;
    private final double[] head;          // C × (h+1), bias last, rows in the output info's id order
    private final int featureWidth;
    private final String[] inputNames;
    private transient Map<String, Integer> inputColumns;

    FineTunedModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureIDMap, ImmutableOutputInfo<Label> outputIDInfo,
                   SameDiff graph, double[] head, int featureWidth, String[] inputNames) {
        super(name, provenance, featureIDMap, outputIDInfo, true);
        this.graph = graph;
        this.head = head.clone();
        this.featureWidth = featureWidth;
        this.inputNames = inputNames.clone();
        this.inputColumns = columns(inputNames);
    }

    private static Map<String, Integer> columns(String[] names) {
        Map<String, Integer> map = new HashMap<>();
        for (int j = 0; j < names.length; j++) {
            map.put(names[j], j);
        }
        return map;
    }

    /** @return the featurizer graph (a copy). */
    public SameDiff graph() {
        return graph.dup();
    }

    /** @return the head, classes × (h+1) row-major, bias last (a copy). */
    public double[] head() {
        return head.clone();
    }

    /** @return the pixel inputs' width. */
    public int inputWidth() {
        return inputNames.length;
    }

    @Override
    public Prediction<Label> predict(Example<Label> example) {
        return predictBatch(List.of(example), 0).get(0);
    }

    @Override
    protected List<Prediction<Label>> innerPredict(Iterable<Example<Label>> examples) {
        List<Prediction<Label>> out = new ArrayList<>();
        List<Example<Label>> chunk = new ArrayList<>(PREDICT_BATCH);
        Iterator<Example<Label>> it = examples.iterator();
        while (it.hasNext()) {
            chunk.add(it.next());
            if (chunk.size() == PREDICT_BATCH || !it.hasNext()) {
                out.addAll(predictBatch(chunk, out.size()));
                chunk.clear();
            }
        }
        return out;
    }

    private List<Prediction<Label>> predictBatch(List<Example<Label>> examples, int firstIndex) {
        int n = examples.size();
        int width = inputNames.length;
        float[] pixels = new float[n * width];
        int[] used = new int[n];
        for (int i = 0; i < n; i++) {
            for (Feature f : examples.get(i)) {
                Integer col = inputColumns.get(f.getName());
                if (col == null) {
                    throw new IllegalArgumentException("example " + (firstIndex + i) + " has feature '" + f.getName()
                            + "', which is not one of the model's " + width + " inputs (an image of the wrong shape?)");
                }
                pixels[i * width + col] = (float) f.getValue();
                used[i]++;
            }
        }
        INDArray x = Nd4j.create(pixels, new long[]{n, width}, DataType.FLOAT);
        SameDiff g = graph;
        DataType type = g.getVariable(Featurizer.INPUT).dataType();
        double[] features = g.outputSingle(Map.of(Featurizer.INPUT, x.castTo(type)), Featurizer.FEATURES)
                .castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int classes = outputIDInfo.size();
        List<Prediction<Label>> out = new ArrayList<>(n);
        double[] logits = new double[classes];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double z = head[k * (featureWidth + 1) + featureWidth];
                for (int j = 0; j < featureWidth; j++) {
                    z += head[k * (featureWidth + 1) + j] * features[i * featureWidth + j];
                }
                logits[k] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                logits[k] = Math.exp(logits[k] - max);
                sum += logits[k];
            }
            Map<String, Label> scores = new LinkedHashMap<>();
            Label best = null;
            for (int k = 0; k < classes; k++) {
                Label scored = new Label(outputIDInfo.getOutput(k).getLabel(), logits[k] / sum);
                scores.put(scored.getLabel(), scored);
                if (best == null || scored.getScore() > best.getScore()) {
                    best = scored;
                }
            }
            out.add(new Prediction<>(best, scores, used[i], examples.get(i), true));
        }
        return out;
    }

    /** A deep network has no per-feature weights: empty, as Tribuo's other non-linear models without them. */
    @Override
    public Map<String, List<Pair<String, Double>>> getTopFeatures(int n) {
        return Collections.emptyMap();
    }

    @Override
    public Optional<Excuse<Label>> getExcuse(Example<Label> example) {
        return Optional.empty();
    }

    @Override
    protected FineTunedModel copy(String newName, ModelProvenance newProvenance) {
        return new FineTunedModel(newName, newProvenance, featureIDMap, outputIDInfo, graph.dup(), head, featureWidth, inputNames);
    }

    /**
     * Writes the model (graph, head, provenance) atomically: to a temporary file beside {@code path}, then moved.
     *
     * @param path destination.
     * @throws IOException if writing fails (the destination is then untouched).
     */
    public void save(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, path.getFileName().toString(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp); ObjectOutputStream oos = new ObjectOutputStream(os)) {
                oos.writeObject(this);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @param path a file written by {@link #save}.
     * @return the model.
     * @throws IOException if it cannot be read or is not a fine-tuned model.
     */
    public static FineTunedModel load(Path path) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(path))) {
            Object read = in.readObject();
            if (!(read instanceof FineTunedModel model)) {
                throw new IOException(path + " holds a " + read.getClass().getName() + ", not a FineTunedModel");
            }
            return model;
        } catch (ClassNotFoundException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        ByteBuffer buffer = graph.asFlatBuffers(false);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        try {
            graph = SameDiff.fromFlatBuffers(ByteBuffer.wrap(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read the featurizer graph: " + e.getMessage(), e);
        }
        inputColumns = columns(inputNames);
    }

    @Override
    public String toString() {
        return "FineTunedModel(name=" + name + ", inputs=" + inputNames.length + ", features=" + featureWidth
                + ", classes=" + outputIDInfo.size() + ")";
    }
}
