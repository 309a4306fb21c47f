package io.github.cma4j.experiments;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The records' macro F1 and confusion matrices, against values worked out by hand. */
class MacroF1Test {

    @Test
    void macroF1ByHand() {
        // labels a a a b b c; predicted a a b b c c (output ids = label ids)
        MultiDomainDataset data = new MultiDomainDataset("t", new float[6], 1, new int[]{0, 0, 0, 1, 1, 2},
                new int[6], null, List.of("d"), List.of("a", "b", "c"), new int[]{1}, new DatasetProvenance("t", Map.of(), 0, Map.of()));
        int[] rows = {0, 1, 2, 3, 4, 5};
        int[] predicted = {0, 0, 1, 1, 2, 2};
        // a: TP 2 FP 0 FN 1 → 4/5; b: TP 1 FP 1 FN 1 → 2/4; c: TP 1 FP 1 FN 0 → 2/3
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, ExperimentRunner.macroF1(data, rows, predicted, new int[]{0, 1, 2}), 1e-12);
        assertEquals(1.0, ExperimentRunner.macroF1(data, rows, new int[]{0, 0, 0, 1, 1, 2}, new int[]{0, 1, 2}), 1e-12);
        // the confusion matrix in the dataset's class order, when Tribuo's output ids differ (a→2, b→0, c→1)
        long[][] m = ExperimentRunner.confusion(data, rows, new int[]{2, 2, 0, 0, 1, 1}, new int[]{2, 0, 1});
        assertEquals(java.util.List.of(java.util.List.of(2L, 1L, 0L), java.util.List.of(0L, 1L, 1L), java.util.List.of(0L, 0L, 1L)),
                java.util.Arrays.stream(m).map(r -> java.util.Arrays.stream(r).boxed().toList()).toList());
    }
}
