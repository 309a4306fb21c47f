package io.github.cma4j.tribuo;

import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.math.optimisers.SGD;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings and data the Tribuo plugin must refuse or warn about, each named (docs/reliability.md). */
class BadInputTest {

    /**
     * Two domains of a linearly separable two-class problem on features x0, x1; {@code scale} multiplies every
     * feature of domain 'b'.
     */
    static MutableDataset<Label> twoDomains(int perDomain, double scale, long seed) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("test", OffsetDateTime.now(), factory), factory);
        SplittableRandom rng = new SplittableRandom(seed);
        for (String domain : new String[]{"a", "b"}) {
            for (int i = 0; i < perDomain; i++) {
                double x0 = rng.nextGaussian();
                double x1 = rng.nextGaussian();
                String label = x0 + 0.5 * x1 > 0 ? "pos" : "neg";
                double s = domain.equals("b") ? scale : 1.0;
                Example<Label> ex = new ArrayExample<>(new Label(label), new String[]{"x0", "x1"}, new double[]{s * x0, s * x1});
                ex.setMetadataValue("domain", domain);
                data.add(ex);
            }
        }
        return data;
    }

    private static DomainLinearSGDTrainer cma(double lr) {
        return new DomainLinearSGDTrainer("CMA", Map.of("penalty_anneal_iters", "0"), new AdamOptimiser(lr), 1, 16,
                BatchMode.DOMAIN_BALANCED, true, 1).withSteps(60);
    }

    /** Tribuo's SGD accepts a negative learning rate, which trains uphill to worst-group accuracy 0. */
    @Test
    void aNegativeLearningRateIsRefusedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("ERM",
                Map.of(), SGD.getSimpleSGD(-1), 1, 16, BatchMode.POOLED, true, 1));
        assertTrue(e.getMessage().contains("initialLearningRate = -1.0 is invalid"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("ERM", Map.of(),
                new AdaGrad(Double.NaN), 1, 16, BatchMode.POOLED, true, 1));
    }

    /** A negative penalty weight was only refused at train(). */
    @Test
    void aNegativePenaltyWeightIsRefusedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DomainLinearSGDTrainer("CMA",
                Map.of("grad_alpha", "-1"), new AdamOptimiser(1e-2), 1, 16, BatchMode.POOLED, true, 1));
        assertTrue(e.getMessage().contains("grad_alpha"), e.getMessage());
    }

    /** lr = 1e300 finished with exit 0 and a 300-digit loss. */
    @Test
    void aHugeLearningRateFailsWithTheStepAndKeepsTheLastFiniteModel() {
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> cma(1e300).train(twoDomains(40, 1, 2)));
        assertTrue(e.step() >= 1 && e.getMessage().contains("diverged at step " + e.step()), e.getMessage());
        LinearSGDModel last = e.lastFiniteModel().orElseThrow();
        assertTrue(Double.isFinite(last.getWeightsCopy().get(0, 0)), "the kept model's weights are finite");
    }

    /** grad_alpha = 1e308: the objective is finite but meaningless. */
    @Test
    void anAstronomicalPenaltyWeightFailsAtTheFirstStep() {
        DomainLinearSGDTrainer t = new DomainLinearSGDTrainer("CMA", Map.of("grad_alpha", "1e308", "penalty_anneal_iters", "0",
                "normalization", "none"), new AdamOptimiser(1e-2), 1, 16, BatchMode.DOMAIN_BALANCED, true, 1).withSteps(20);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.train(twoDomains(40, 1, 2)));
        assertEquals(0, e.step(), e.getMessage());
        assertTrue(e.lastFiniteModel().isEmpty());
    }

    /** Features of 1e30 in one domain: a warning names the domain and the feature; standardising trains. */
    @Test
    void featuresOfAnotherScaleInOneDomainAreNamed() {
        MutableDataset<Label> data = twoDomains(40, 1e30, 3);
        DomainLinearSGDTrainer plain = cma(1e-2);
        assertThrows(TrainingDivergedException.class, () -> plain.train(data));
        assertTrue(plain.lastWarnings().stream().anyMatch(w -> w.contains("feature 'x0'") && w.contains("domain 'b'")
                && w.contains("consider standardising")), plain.lastWarnings().toString());
        DomainLinearSGDTrainer standardized = cma(1e-2).withStandardization(true);
        LinearSGDModel model = standardized.train(twoDomains(40, 1e3, 3));
        assertTrue(Double.isFinite(model.getWeightsCopy().get(0, 0)));
    }

    /** The model folds the standardisation in: on raw features it predicts what training on standardised ones gives. */
    @Test
    void standardisationIsFoldedIntoTheModel() {
        MutableDataset<Label> raw = twoDomains(40, 3, 4);
        double[] mean = new double[2];
        double[] sq = new double[2];
        for (Example<Label> ex : raw) {
            int j = 0;
            for (org.tribuo.Feature f : ex) {
                mean[j] += f.getValue() / raw.size();
                sq[j++] += f.getValue() * f.getValue() / raw.size();
            }
        }
        double[] sd = {Math.sqrt(sq[0] - mean[0] * mean[0]), Math.sqrt(sq[1] - mean[1] * mean[1])};
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> scaled = new MutableDataset<>(new SimpleDataSourceProvenance("s", OffsetDateTime.now(), factory), factory);
        for (Example<Label> ex : raw) {
            double[] v = new double[2];
            int j = 0;
            for (org.tribuo.Feature f : ex) {
                v[j] = (f.getValue() - mean[j]) / sd[j];
                j++;
            }
            Example<Label> s = new ArrayExample<>(ex.getOutput(), new String[]{"x0", "x1"}, v);
            s.setMetadataValue("domain", ex.getMetadataValue("domain").orElseThrow());
            scaled.add(s);
        }
        LinearSGDModel folded = cma(1e-2).withStandardization(true).train(raw);
        LinearSGDModel direct = cma(1e-2).train(scaled);
        for (int i = 0; i < raw.size(); i++) {
            Prediction<Label> a = folded.predict(raw.getExample(i));
            Prediction<Label> b = direct.predict(scaled.getExample(i));
            for (String label : new String[]{"pos", "neg"}) {
                assertEquals(b.getOutputScores().get(label).getScore(), a.getOutputScores().get(label).getScore(), 1e-9);
            }
        }
    }

    /** One training domain falls back to ERM; the trainer and the model's provenance say so. */
    @Test
    void aSingleDomainFallbackIsRecorded() {
        MutableDataset<Label> data = twoDomains(40, 1, 5);
        org.tribuo.Dataset<Label> onlyA = org.tribuo.dataset.DatasetView.createView(data,
                ex -> "a".equals(ex.getMetadataValue("domain").orElse(null)), "a");
        DomainLinearSGDTrainer t = cma(1e-2);
        LinearSGDModel model = t.train(onlyA);
        assertEquals("ERM", t.lastEffectiveAlgorithm());
        assertTrue(t.lastWarnings().get(t.lastWarnings().size() - 1).contains("single domain ('a')"));
        assertEquals("ERM", model.getProvenance().getInstanceProvenance().getMap().get("cma4j.effective-algorithm").toString());
    }

    /** A training domain with one example trained silently. */
    @Test
    void aDomainWithOneExampleIsRefusedByName() {
        MutableDataset<Label> data = twoDomains(40, 1, 6);
        Example<Label> lone = new ArrayExample<>(new Label("pos"), new String[]{"x0", "x1"}, new double[]{1, 1});
        lone.setMetadataValue("domain", "tiny");
        data.add(lone);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cma(1e-2).train(data));
        assertTrue(e.getMessage().contains("training domain 'tiny' has 1 example"), e.getMessage());
        Example<Label> second = new ArrayExample<>(new Label("neg"), new String[]{"x0", "x1"}, new double[]{-1, -1});
        second.setMetadataValue("domain", "tiny");
        data.add(second);
        DomainLinearSGDTrainer t = cma(1e-2);
        t.train(data);
        assertTrue(t.lastWarnings().stream().anyMatch(w -> w.contains("'tiny' has only 2 examples")), t.lastWarnings().toString());
    }
}
