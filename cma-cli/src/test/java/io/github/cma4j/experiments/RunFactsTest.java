package io.github.cma4j.experiments;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run's records say about how it really ran (docs/reliability.md). */
class RunFactsTest {

    /** Domains a, b train; c is the test domain and alone has class "rare". */
    private static MultiDomainDataset data() {
        return new MultiDomainDataset("t", new float[6], 1, new int[]{0, 1, 0, 1, 0, 2}, new int[]{0, 0, 1, 1, 2, 2}, null,
                List.of("a", "b", "c"), List.of("no", "yes", "rare"), new int[]{1}, new DatasetProvenance("t", Map.of(), 0, Map.of()));
    }

    @Test
    void unseenTestLabelsAreNamedAndRecorded() {
        RunSpec spec = new RunSpec("t", "ERM", List.of("c"), 0, 0, 10, 5, Map.of());
        RunFacts facts = RunFacts.of(spec, data(), List.of(2), new int[]{0, 1, 2, 3},
                Algorithms.searchSpace("ERM", Algorithms.Scale.SMALL).defaults());
        assertEquals(List.of("rare"), facts.unseenTestLabels());
        assertTrue(facts.warnings().get(0).contains("[rare]"), facts.warnings().toString());
        Map<String, Object> record = new TreeMap<>();
        facts.addTo(record, List.of("from the trainer"));
        assertEquals(List.of("rare"), record.get("unseen_test_labels"));
        assertEquals("ERM", record.get("algorithm_effective"));
        assertTrue(((List<?>) record.get("warnings")).contains("from the trainer"));
    }

    @Test
    void oneTrainingDomainLeftMeansErm() {
        RunSpec spec = new RunSpec("t", "CMA", List.of("b", "c"), 0, 0, 10, 5, Map.of("penalty_anneal_iters", "0"));
        RunFacts facts = RunFacts.of(spec, data(), List.of(1, 2), new int[]{0, 1},
                Algorithms.searchSpace("CMA", Algorithms.Scale.SMALL).resolve(Map.of("penalty_anneal_iters", "0")));
        assertEquals("ERM", facts.effectiveAlgorithm());
        assertTrue(facts.neverActive().isEmpty());
    }
}
