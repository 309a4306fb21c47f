package io.github.cma4j.finetune;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("nd4j")
class MnistCnnFeaturizerTest {

    /** DomainBed's MNIST_CNN on 2×28×28: 128-d features and PyTorch's parameter count (371,136). */
    @Test
    void domainBedShapeAndParameterCount() {
        MnistCnnFeaturizer cnn = new MnistCnnFeaturizer(2, 28, 28, DataType.FLOAT, 1);
        long count = 0;
        for (String name : cnn.parameterNames()) {
            count += cnn.parameter(name).length();
        }
        assertEquals(1216 + 73856 + 147584 + 147584 + 2 * (64 + 3 * 128), count);
        INDArray f = cnn.features(Nd4j.rand(DataType.FLOAT, 3, 2 * 28 * 28));
        assertArrayEquals(new long[]{3, 128}, f.shape());
        assertEquals(392 * 4, cnn.inputWidth());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cnn.features(Nd4j.rand(DataType.FLOAT, 3, 2 * 14 * 14)));
        assertTrue(e.getMessage().contains("expected [n, 1568]"), e.getMessage());
    }

    /**
     * The hand-written pass (conv2d/conv2d_bp ops, closed-form GroupNorm backward) against SameDiff's graph and autodiff, float64:
     * features and every parameter's gradient, on odd image sizes so that the stride-2 layer's edges count.
     */
    @Test
    void handWrittenPassEqualsTheGraph() {
        int n = 4;
        MnistCnnFeaturizer cnn = new MnistCnnFeaturizer(2, 7, 9, new int[]{4, 6, 6, 8}, 2, DataType.DOUBLE, 5);
        Random rng = new Random(6);
        INDArray x = random(n, cnn.inputWidth(), rng::nextDouble);
        for (String name : cnn.parameterNames()) {       // GroupNorm's γ, β away from 1, 0
            INDArray p = cnn.parameter(name);
            for (long i = 0; i < p.length(); i++) {
                p.putScalar(i, p.getDouble(i) + 0.3 * rng.nextGaussian());
            }
        }
        INDArray g = random(n, cnn.featureWidth(), rng::nextGaussian);
        for (int step = 0; step < 2; step++) {          // the second step reuses every buffer of the first
            INDArray graphFeatures = cnn.graph().outputSingle(Map.of(Featurizer.INPUT, x), Featurizer.FEATURES);
            assertTrue(graphFeatures.equalsWithEps(cnn.features(x), 1e-12));
            assertTrue(graphFeatures.equalsWithEps(cnn.forward(x), 1e-12));
            Map<String, INDArray> viaBackward = cnn.backward(g);
            Map<String, INDArray> viaGraph = cnn.graphGradients(x, g);
            assertEquals(cnn.parameterNames(), List.copyOf(viaBackward.keySet()));
            for (String name : cnn.parameterNames()) {
                INDArray expected = viaGraph.get(name);
                INDArray actual = viaBackward.get(name).reshape(expected.shape());
                double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
                assertEquals(0, expected.sub(actual).amaxNumber().doubleValue() / scale, 1e-10, name + ", step " + step);
                cnn.parameter(name).subi(actual.mul(0.1));    // a gradient step, so that step 2 sees new weights
            }
        }
        // batches of other sizes (the training pass replaced, three inference sizes in turn) reuse nothing stale
        for (int rows : new int[]{2, 3, 1, 2, 4}) {
            INDArray part = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rows),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            INDArray expected = cnn.graph().outputSingle(Map.of(Featurizer.INPUT, part), Featurizer.FEATURES);
            assertTrue(expected.equalsWithEps(cnn.forward(part), 1e-12), "forward, " + rows + " rows");
            assertTrue(expected.equalsWithEps(cnn.features(part), 1e-12), "features, " + rows + " rows");
        }
        // more rows than one inference pass holds: two whole chunks and a remainder
        INDArray many = random(2 * MnistCnnFeaturizer.FEATURE_CHUNK + 3, cnn.inputWidth(), rng::nextDouble);
        INDArray expected = cnn.graph().outputSingle(Map.of(Featurizer.INPUT, many), Featurizer.FEATURES);
        assertTrue(expected.equalsWithEps(cnn.features(many), 1e-12), "features in chunks");
    }

    /**
     * The float32 pass (oneDNN's convolutions, the SIMD GroupNorm) against the float64 graph at the same parameters.
     * The float32 graph is no reference: its GroupNorm, ND4J's float32 reductions, is off by up to 2e-3 here.
     */
    @Test
    void oneDnnPassInFloat32EqualsTheFloat64Graph() {
        assertTrue(MnistCnnFeaturizer.convolutionsRunOnOneDnn(), "ND4J's natives here are not the oneDNN build");
        int n = 5;
        MnistCnnFeaturizer cnn = new MnistCnnFeaturizer(2, 28, 28, DataType.FLOAT, 8);
        MnistCnnFeaturizer reference = new MnistCnnFeaturizer(2, 28, 28, DataType.DOUBLE, 8);
        for (String name : cnn.parameterNames()) {
            reference.parameter(name).assign(cnn.parameter(name).castTo(DataType.DOUBLE));
        }
        Random rng = new Random(9);
        INDArray x = random(n, cnn.inputWidth(), rng::nextDouble).castTo(DataType.FLOAT);
        INDArray g = random(n, cnn.featureWidth(), rng::nextGaussian).castTo(DataType.FLOAT);
        INDArray xDouble = x.castTo(DataType.DOUBLE);
        INDArray graphFeatures = reference.graph().outputSingle(Map.of(Featurizer.INPUT, xDouble), Featurizer.FEATURES);
        Map<String, INDArray> viaGraph = reference.graphGradients(xDouble, g.castTo(DataType.DOUBLE));
        assertEquals(0, relativeGap(graphFeatures, cnn.forward(x).castTo(DataType.DOUBLE)), 1e-4, "features");
        Map<String, INDArray> viaBackward = cnn.backward(g);
        for (String name : cnn.parameterNames()) {
            INDArray expected = viaGraph.get(name);
            INDArray actual = viaBackward.get(name).castTo(DataType.DOUBLE).reshape(expected.shape());
            assertEquals(0, relativeGap(expected, actual), 1e-4, name);
        }
    }

    /** max |a − b| over max |a|. */
    private static double relativeGap(INDArray expected, INDArray actual) {
        return expected.sub(actual).amaxNumber().doubleValue() / Math.max(1e-6, expected.amaxNumber().doubleValue());
    }

    /** The graph's gradients of Σ F∘G (convolutions, GroupNorm, pooling) against central differences, float64. */
    @Test
    void graphGradientsMatchFiniteDifferences() {
        int n = 3;
        MnistCnnFeaturizer cnn = new MnistCnnFeaturizer(2, 6, 6, new int[]{4, 4, 4, 4}, 2, DataType.DOUBLE, 3);
        Random rng = new Random(4);
        INDArray x = random(n, cnn.inputWidth(), rng::nextDouble);
        INDArray g = random(n, cnn.featureWidth(), rng::nextGaussian);
        Map<String, INDArray> grads = cnn.graphGradients(x, g);
        double h = 1e-6;
        for (String name : cnn.parameterNames()) {
            INDArray p = cnn.parameter(name);
            INDArray grad = grads.get(name);
            for (int k = 0; k < 4; k++) {
                long idx = rng.nextInt((int) p.length());
                double original = p.getDouble(idx);
                p.putScalar(idx, original + h);
                double plus = cnn.features(x).mul(g).sumNumber().doubleValue();
                p.putScalar(idx, original - h);
                double minus = cnn.features(x).mul(g).sumNumber().doubleValue();
                p.putScalar(idx, original);
                double numeric = (plus - minus) / (2 * h);
                double analytic = grad.reshape(p.shape()).getDouble(idx);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), name + "[" + idx + "]");
            }
        }
    }

    /** An n × width float64 array of draws, in row-major order. */
    private static INDArray random(int n, int width, java.util.function.DoubleSupplier draw) {
        INDArray a = Nd4j.create(DataType.DOUBLE, n, width);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, draw.getAsDouble());
        }
        return a;
    }
}
