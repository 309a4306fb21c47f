package io.github.cma4j.datasets;

import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The neutral dataset type and DomainBed's in/out split. */
class DatasetTest {
    private static final DatasetProvenance P = DatasetProvenance.generated("test", Map.of(), 0);

    @Test
    void inOutSplitIsDomainBeds() {
        MultiDomainDataset ds = SpuriousFeatureSuite.build(SpuriousFeatureSuite.Params.defaults(), 1);
        InOutSplit split = InOutSplit.domainBed(ds, 0.2, 3);
        for (int d = 0; d < 4; d++) {
            int n = ds.domainSizes()[d];
            assertEquals((int) (n * 0.2), split.out().get(d).length);
            assertEquals(n - (int) (n * 0.2), split.in().get(d).length);
            int[] union = IntStream.concat(Arrays.stream(split.in().get(d)), Arrays.stream(split.out().get(d))).sorted().toArray();
            assertArrayEquals(ds.rowsOfDomain(d), union, "disjoint and complete");
        }
        InOutSplit again = InOutSplit.domainBed(ds, 0.2, 3);
        assertArrayEquals(split.out().get(1), again.out().get(1), "same trial seed, same split");
        assertFalse(Arrays.equals(split.out().get(1), InOutSplit.domainBed(ds, 0.2, 4).out().get(1)), "another trial seed");
        assertThrows(IllegalArgumentException.class, () -> InOutSplit.domainBed(ds, 1.0, 0));
    }

    @Test
    void subsetAndConcatKeepVocabularies() {
        MultiDomainDataset ds = SpuriousFeatureSuite.build(SpuriousFeatureSuite.Params.defaults(), 2);
        MultiDomainDataset a = ds.subset(new int[]{5, 1}, "a");
        assertEquals(ds.feature(5, 3), a.feature(0, 3));
        assertEquals(ds.group(1), a.group(1));
        MultiDomainDataset both = MultiDomainDataset.concat("ab", List.of(a, ds.subset(new int[]{7}, "b")));
        assertEquals(3, both.size());
        assertEquals(ds.label(7), both.label(2));
        assertEquals(ds.domainNames(), both.domainNames());
    }

    @Test
    void invalidDatasetsAreRejectedWithTheRow() {
        List<String> doms = List.of("a", "b");
        List<String> classes = List.of("x", "y");
        assertMessage("label 2 at row 1", () -> new MultiDomainDataset("t", new float[4], 2, new int[]{0, 2}, new int[]{0, 1},
                null, doms, classes, new int[]{2}, P));
        assertMessage("domain id 5 at row 0", () -> new MultiDomainDataset("t", new float[4], 2, new int[]{0, 1}, new int[]{5, 1},
                null, doms, classes, new int[]{2}, P));
        assertMessage("feature value NaN at row 1, column 0", () -> new MultiDomainDataset("t", new float[]{0, 0, Float.NaN, 0}, 2,
                new int[]{0, 1}, new int[]{0, 1}, null, doms, classes, new int[]{2}, P));
        assertMessage("do not form 2 rows of 3", () -> new MultiDomainDataset("t", new float[4], 3, new int[]{0, 1}, new int[]{0, 1},
                null, doms, classes, new int[]{3}, P));
        assertMessage("input shape [5]", () -> new MultiDomainDataset("t", new float[4], 2, new int[]{0, 1}, new int[]{0, 1},
                null, doms, classes, new int[]{5}, P));
        assertMessage("class names must be unique", () -> new MultiDomainDataset("t", new float[4], 2, new int[]{0, 1},
                new int[]{0, 1}, null, doms, List.of("x", "x"), new int[]{2}, P));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
