package io.github.cma4j.tribuo;

import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.impl.ArrayExample;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model trained by cma4j is a plain Tribuo model: it loads and predicts in a class loader that has Tribuo and no
 * cma4j class (its provenance holds only Tribuo primitives), and a golden model file written by this version keeps
 * loading with the same predictions (as Tribuo's own regression tests do). To rewrite the golden file after a
 * deliberate change: {@code mvn -B -ntp test -pl cma-tribuo -Dtest=ModelsWithoutCma4jTest -Dcma4j.writeGolden=true}.
 */
class ModelsWithoutCma4jTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/domain-linear-sgd.tribuo");
    private static final Path GOLDEN_SCORES = Path.of("src/test/resources/golden/domain-linear-sgd-scores.txt");
    private static final double[][] PROBES = {{1, 0}, {-1, 0.5}, {0.2, -2}, {3, 3}};

    @TempDir
    Path dir;

    private static LinearSGDModel train() {
        MutableDataset<org.tribuo.classification.Label> data = BadInputTest.twoDomains(60, 1, 11);
        return new DomainLinearSGDTrainer("CMA", Map.of("penalty_anneal_iters", "0", "normalization", "isr"),
                new AdamOptimiser(0.05), 1, 16, BatchMode.DOMAIN_BALANCED, true, 3).withSteps(80).train(data);
    }

    /** Tribuo's jars and their dependencies, without any of cma4j's classes. */
    private static URLClassLoader tribuoOnly() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            boolean cma4j = entry.contains("io/github/cma4j") || entry.endsWith("target/classes") || entry.endsWith("target/test-classes");
            if (!entry.isBlank() && !cma4j) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    /** The probes' scores for "pos", predicted by a model loaded in {@code loader}. */
    private static List<Double> scoresIn(ClassLoader loader, Path file) throws Exception {
        Class<?> modelClass = loader.loadClass("org.tribuo.Model");
        Object model = modelClass.getMethod("deserializeFromFile", Path.class).invoke(null, file);
        Class<?> labelClass = loader.loadClass("org.tribuo.classification.Label");
        Class<?> outputClass = loader.loadClass("org.tribuo.Output");
        Class<?> exampleClass = loader.loadClass("org.tribuo.impl.ArrayExample");
        Constructor<?> example = exampleClass.getConstructor(outputClass, String[].class, double[].class);
        Method predict = modelClass.getMethod("predict", loader.loadClass("org.tribuo.Example"));
        List<Double> out = new ArrayList<>();
        for (double[] probe : PROBES) {
            Object ex = example.newInstance(labelClass.getConstructor(String.class).newInstance("pos"),
                    new String[]{"x0", "x1"}, probe);
            Object prediction = predict.invoke(model, ex);
            Map<?, ?> scores = (Map<?, ?>) prediction.getClass().getMethod("getOutputScores").invoke(prediction);
            Object pos = scores.get("pos");
            out.add((Double) pos.getClass().getMethod("getScore").invoke(pos));
        }
        return out;
    }

    @Test
    void aTrainedModelLoadsAndPredictsWithOnlyTribuo() throws Exception {
        LinearSGDModel model = train();
        Path file = dir.resolve("model.tribuo");
        model.serializeToFile(file);
        List<Double> here = new ArrayList<>();
        for (double[] probe : PROBES) {
            Prediction<Label> p = model.predict(new ArrayExample<>(new Label("pos"), new String[]{"x0", "x1"}, probe));
            here.add(p.getOutputScores().get("pos").getScore());
        }
        try (URLClassLoader tribuo = tribuoOnly()) {
            assertThrows(ClassNotFoundException.class, () -> tribuo.loadClass(DomainLinearSGDTrainer.class.getName()),
                    "the loader must not see cma4j");
            assertEquals(here, scoresIn(tribuo, file));
        }
    }

    @Test
    void theGoldenModelStillLoadsWithTheSamePredictions() throws Exception {
        if (Boolean.getBoolean("cma4j.writeGolden")) {
            train().serializeToFile(GOLDEN);
            List<String> lines = new ArrayList<>();
            for (double s : scoresIn(getClass().getClassLoader(), GOLDEN)) {
                lines.add(String.format(Locale.ROOT, "%.17g", s));
            }
            Files.write(GOLDEN_SCORES, lines, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(GOLDEN), GOLDEN + " is missing; write it with -Dcma4j.writeGolden=true");
        List<Double> expected = Files.readAllLines(GOLDEN_SCORES).stream().map(Double::parseDouble).toList();
        Model<?> loaded = Model.deserializeFromFile(GOLDEN);
        assertTrue(loaded instanceof LinearSGDModel, loaded.getClass().getName());
        assertEquals(expected, scoresIn(getClass().getClassLoader(), GOLDEN));
        try (URLClassLoader tribuo = tribuoOnly()) {
            assertEquals(expected, scoresIn(tribuo, GOLDEN));
        }
    }
}
