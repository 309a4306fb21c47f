package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.PenaltySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The algorithm registry and its hyperparameter spaces. */
class RegistryTest {

    static List<String> names() {
        return Algorithms.names();
    }

    @ParameterizedTest
    @MethodSource("names")
    void namesAreUniqueAndCaseInsensitive(String name) {
        assertEquals(name, Algorithms.get(name.toLowerCase(java.util.Locale.ROOT)).name());
        assertEquals(name, Algorithms.get(" " + name.toUpperCase(java.util.Locale.ROOT) + " ").name());
        assertEquals(1, Algorithms.names().stream().filter(name::equalsIgnoreCase).count(), name + " is registered once");
    }

    @Test
    void anUnknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Algorithms.get("MLDG"));
        assertTrue(e.getMessage().contains("unknown algorithm 'MLDG'") && e.getMessage().contains(Algorithms.names().get(0)),
                e.getMessage());
    }

    /** A penalty's spec names real hyperparameters, and its regularizer can be built alone. */
    @ParameterizedTest
    @MethodSource("names")
    void penaltiesNameRealHyperparametersAndBuildAlone(String name) {
        AlgorithmSpec spec = Algorithms.get(name);
        Hyperparameters defaults = spec.hyperparameters().defaults();
        for (PenaltySpec p : spec.penalties()) {
            defaults.getDouble(p.weightKey());
            if (p.annealKey() != null) {
                defaults.getLong(p.annealKey());
            }
            assertNotNull(spec.regularizer(p.term(), Map.of(), 0), name + " " + p.term());
        }
        assertThrows(IllegalArgumentException.class, () -> spec.regularizer("noSuchTerm", Map.of(), 0));
    }

    @ParameterizedTest
    @MethodSource("names")
    void seedZeroGivesTheDefaultsAndDrawsAreReproducible(String name) {
        HyperparameterSpace space = Algorithms.searchSpace(name, Algorithms.Scale.SMALL);
        assertEquals(space.defaults(), Algorithms.sample(name, Algorithms.Scale.SMALL, 0, 7));
        Hyperparameters a = Algorithms.sample(name, Algorithms.Scale.SMALL, 3, 1);
        assertEquals(a, Algorithms.sample(name, Algorithms.Scale.SMALL, 3, 1), "same seeds, same draw");
        assertNotEquals(a, Algorithms.sample(name, Algorithms.Scale.SMALL, 3, 2), "another trial seed, another draw");
        assertNotEquals(a, Algorithms.sample(name, Algorithms.Scale.SMALL, 4, 1), "another hparams seed, another draw");
        // every draw builds a working objective
        Algorithms.get(name).factory().create(a, 0);
    }

    @Test
    void drawsFallInTheirDistributions() {
        for (int seed = 1; seed <= 50; seed++) {
            Hyperparameters irm = Algorithms.sample("IRM", Algorithms.Scale.SMALL, seed, 0);
            double lambda = irm.getDouble("irm_lambda");
            assertTrue(lambda >= 0.1 && lambda <= 1e5, "irm_lambda " + lambda);
            long anneal = irm.getLong("irm_penalty_anneal_iters");
            assertTrue(anneal >= 1 && anneal < 10_000, "anneal " + anneal);
            double lr = irm.getDouble("lr");
            assertTrue(lr >= Math.pow(10, -4.5) && lr <= Math.pow(10, -2.5), "lr " + lr);
            long batch = irm.getLong("batch_size");
            assertTrue(batch >= 8 && batch < 512, "batch " + batch);
            assertEquals(0.0, irm.getDouble("weight_decay"), "fixed for small images");
            Hyperparameters cma = Algorithms.sample("CMA", Algorithms.Scale.SMALL, seed, 0);
            assertTrue(List.of(500L, 1500L, 2500L, 3500L, 4500L).contains(cma.getLong("penalty_anneal_iters")));
            assertEquals("domainbed", cma.getString("normalization"));
            double ema = Algorithms.sample("Fishr", Algorithms.Scale.SMALL, seed, 0).getDouble("ema");
            assertTrue(ema >= 0.90 && ema < 0.99);
        }
    }

    @Test
    void addingAHyperparameterDoesNotShiftTheOthers() {
        HyperparameterSpace small = new HyperparameterSpace(List.of(
                Hyperparameter.real("a", 1, new Distribution.Uniform(0, 1), "")));
        HyperparameterSpace bigger = new HyperparameterSpace(List.of(
                Hyperparameter.real("z", 1, new Distribution.Uniform(0, 1), ""),
                Hyperparameter.real("a", 1, new Distribution.Uniform(0, 1), "")));
        assertEquals(small.sample(5, 2).getString("a"), bigger.sample(5, 2).getString("a"));
    }

    @Test
    void overridesAreCheckedByName() {
        AlgorithmSpec vrex = Algorithms.get("VREx");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> vrex.create(Map.of("lambda", "3"), 0));
        assertTrue(unknown.getMessage().contains("unknown hyperparameter 'lambda'")
                && unknown.getMessage().contains("vrex_lambda"), unknown.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> vrex.create(Map.of("vrex_penalty_anneal_iters", "2.5"), 0));
        assertTrue(bad.getMessage().contains("vrex_penalty_anneal_iters = '2.5' is not a valid int"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vrex.create(Map.of("vrex_lambda", "-1"), 0));
        assertThrows(IllegalArgumentException.class, () -> Algorithms.create("CMA", Map.of("normalization", "foo"), 0));
        assertEquals("3.5", vrex.hyperparameters().resolve(Map.of("vrex_lambda", " 3.5 ")).getString("vrex_lambda"));
    }
}
