package io.github.cma4j.datasets.fashion;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.ColoredFashionMnist;
import io.github.cma4j.datasets.build.RotatedFashionMnist;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On the real Fashion-MNIST, when it is installed (.ci/run installs Debian's dataset-fashion-mnist); skipped with
 * a visible reason otherwise. Checks the published checksums and DomainBed's recipe statistics
 * (docs/datasets.md): environment sizes, colour–label agreement ≈ 0.9 / 0.8 / 0.1 and shape–label agreement
 * ≈ 0.75, each within ±1%.
 */
class FashionMnistRealDataTest {
    private static FashionMnist.Pool pool;
    private static String unavailable;

    @BeforeAll
    static void load() {
        try {
            pool = FashionMnist.load(FashionMnist.locate(null));
        } catch (IOException e) {
            unavailable = e.getMessage();
        }
    }

    private static void requireData() {
        assumeTrue(pool != null, () -> "Fashion-MNIST not installed, real-data tests skipped: " + unavailable);
    }

    @Test
    void officialFilesVerifyAndHold7000ImagesPerClass() {
        requireData();
        assertEquals(70_000, pool.size());
        assertEquals(60_000, pool.numTrain());
        int[] perClass = new int[10];
        for (byte label : pool.labels()) {
            perClass[label]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 7000);
        assertArrayEquals(expected, perClass);
    }

    @Test
    void coloredRecipeStatistics() {
        requireData();
        for (ColoredFashionMnist.Resolution res : ColoredFashionMnist.Resolution.values()) {
            MultiDomainDataset ds = ColoredFashionMnist.domainBed(pool, 0, res);
            assertArrayEquals(new int[]{23_334, 23_333, 23_333}, ds.domainSizes());
            double[] colour = new double[3];
            double shape = 0;
            for (int i = 0; i < ds.size(); i++) {
                if (ds.group(i) % 2 == ds.label(i)) {
                    colour[ds.domain(i)]++;
                }
            }
            for (int e = 0; e < 3; e++) {
                colour[e] /= ds.domainSizes()[e];
            }
            assertEquals(0.9, colour[0], 0.01, res + " +90%");
            assertEquals(0.8, colour[1], 0.01, res + " +80%");
            assertEquals(0.1, colour[2], 0.01, res + " -90%");
            // shape agreement: the noisy label equals [class < 5] for 75% of images
            MultiDomainDataset again = ColoredFashionMnist.domainBed(pool, 0, res);
            assertArrayEquals(ds.labels(), again.labels(), "deterministic for a seed");
            shape = shapeAgreement(ds);
            assertEquals(0.75, shape, 0.01, res + " shape");
        }
    }

    /** Fraction of images whose label equals [class &lt; 5], recovered by matching the pixels to the pool. */
    private static double shapeAgreement(MultiDomainDataset ds) {
        // The recipe's permutation is internal, so regenerate it: identical seed, identical permutation.
        java.util.SplittableRandom rng = new java.util.SplittableRandom(0);
        int[] perm = java.util.stream.IntStream.range(0, pool.size()).toArray();
        io.github.cma4j.datasets.InOutSplit.shuffle(perm, rng);
        int agree = 0;
        int out = 0;
        for (int e = 0; e < 3; e++) {
            for (int k = e; k < perm.length; k += 3) {
                int clean = pool.labels()[perm[k]] < 5 ? 1 : 0;
                agree += ds.label(out++) == clean ? 1 : 0;
            }
        }
        return agree / (double) ds.size();
    }

    @Test
    void irmProtocolAndRotatedSizes() {
        requireData();
        MultiDomainDataset irm = ColoredFashionMnist.irmProtocol(pool, 0);
        assertArrayEquals(new int[]{25_000, 25_000, 10_000}, irm.domainSizes());
        assertEquals(java.util.List.of("+80%", "+90%", "-90%"), irm.domainNames());
        assertArrayEquals(new int[]{2, 14, 14}, irm.inputShape());
        MultiDomainDataset rot = RotatedFashionMnist.build(pool, 0);
        assertArrayEquals(new int[]{11_667, 11_667, 11_667, 11_667, 11_666, 11_666}, rot.domainSizes());
        assertEquals(10, rot.classNames().size());
        assertEquals(pool.sha256s(), rot.provenance().sourceFiles());
    }
}
