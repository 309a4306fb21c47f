package io.github.cma4j.datasets.build;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.fashion.FashionMnist;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builders on synthetic inputs: structure, geometry and determinism (the real-data statistics are in FashionMnistRealDataTest). */
class BuildersTest {

    static FashionMnist.Pool syntheticPool(int n, long seed) {
        Random rng = new Random(seed);
        byte[] images = new byte[n * 784];
        rng.nextBytes(images);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) rng.nextInt(10);
        }
        return new FashionMnist.Pool(images, labels, n, 28, 28, Path.of("synthetic"), Map.of("synthetic", "none"));
    }

    @Test
    void coloredKeepsTheImageInTheColourChannelOnly() {
        FashionMnist.Pool pool = syntheticPool(300, 1);
        MultiDomainDataset full = ColoredFashionMnist.domainBed(pool, 7, ColoredFashionMnist.Resolution.FULL);
        MultiDomainDataset half = ColoredFashionMnist.domainBed(pool, 7, ColoredFashionMnist.Resolution.HALF);
        assertArrayEquals(new int[]{100, 100, 100}, full.domainSizes());
        assertEquals(java.util.List.of("+90%", "+80%", "-90%"), full.domainNames());
        assertArrayEquals(new int[]{2, 28, 28}, full.inputShape());
        assertArrayEquals(new int[]{2, 14, 14}, half.inputShape());
        for (int i = 0; i < full.size(); i++) {
            int colour = full.group(i) % 2;
            assertEquals(full.label(i), full.group(i) / 2);
            double zeroed = 0;
            for (int p = 0; p < 784; p++) {
                zeroed += Math.abs(full.feature(i, (1 - colour) * 784 + p));
            }
            assertEquals(0.0, zeroed, "channel 1 - c is zero");
            for (int r = 0; r < 14; r++) {
                for (int c = 0; c < 14; c++) {
                    assertEquals(full.feature(i, colour * 784 + 2 * r * 28 + 2 * c), half.feature(i, colour * 196 + r * 14 + c),
                            "14x14 takes every other pixel");
                }
            }
            assertEquals(half.label(i), full.label(i), "same draws at both resolutions");
        }
    }

    @Test
    void sameSeedSameDataOtherSeedOtherData() {
        FashionMnist.Pool pool = syntheticPool(90, 2);
        MultiDomainDataset a = ColoredFashionMnist.domainBed(pool, 3, ColoredFashionMnist.Resolution.HALF);
        MultiDomainDataset b = ColoredFashionMnist.domainBed(pool, 3, ColoredFashionMnist.Resolution.HALF);
        MultiDomainDataset c = ColoredFashionMnist.domainBed(pool, 4, ColoredFashionMnist.Resolution.HALF);
        assertArrayEquals(a.rawFeatures(), b.rawFeatures());
        assertArrayEquals(a.labels(), b.labels());
        assertFalse(Arrays.equals(a.rawFeatures(), c.rawFeatures()));
        assertEquals(3L, a.provenance().seed());
        MultiDomainDataset r1 = RotatedFashionMnist.build(pool, 5);
        MultiDomainDataset r2 = RotatedFashionMnist.build(pool, 5);
        assertArrayEquals(r1.rawFeatures(), r2.rawFeatures());
        assertArrayEquals(new int[]{15, 15, 15, 15, 15, 15}, r1.domainSizes());
        assertThrows(IllegalArgumentException.class, () -> ColoredFashionMnist.irmProtocol(pool, 0));
    }

    /** Rotation geometry on a 28×28 canvas about (13.5, 13.5). */
    @Test
    void rotationIsCounterClockwiseAboutTheCentre() {
        float[] img = new float[784];
        img[13 * 28 + 20] = 1f;                     // right of centre, row 13
        float[] out = new float[784];
        RotatedFashionMnist.rotate(img, 28, 28, 90, out, 0);
        // (x=20, y=13): dx = 6.5, dy_up = 0.5 → after +90°: dx = −0.5, dy_up = 6.5 → (x=13, y=7)
        assertEquals(1f, out[7 * 28 + 13], 1e-5, "a pixel right of centre moves above it");
        float[] same = new float[784];
        RotatedFashionMnist.rotate(img, 28, 28, 0, same, 0);
        assertArrayEquals(img, same, 1e-6f);
        float[] back = img.clone();
        for (int k = 0; k < 4; k++) {
            float[] next = new float[784];
            RotatedFashionMnist.rotate(back, 28, 28, 90, next, 0);
            back = next;
        }
        assertArrayEquals(img, back, 1e-5f, "four quarter turns are the identity");
        float[] white = new float[784];
        Arrays.fill(white, 1f);
        float[] rotated = new float[784];
        RotatedFashionMnist.rotate(white, 28, 28, 45, rotated, 0);
        assertEquals(0f, rotated[0], "corners are filled with 0");
        assertEquals(1f, rotated[14 * 28 + 14], 1e-6, "the centre stays");
    }

    @Test
    void spuriousSuiteHasTheAdvertisedStructure() {
        SpuriousFeatureSuite.Params p = SpuriousFeatureSuite.Params.defaults();
        MultiDomainDataset ds = SpuriousFeatureSuite.build(p, 11);
        assertEquals(java.util.List.of("train-0.95", "train-0.80", "val", "test"), ds.domainNames());
        assertArrayEquals(new int[]{2000, 2000, 1000, 2000}, ds.domainSizes());
        assertEquals(20, ds.numFeatures());
        double[] agree = new double[2];
        int[][] groupCounts = new int[4][4];
        for (int i = 0; i < ds.size(); i++) {
            int a = ds.group(i) % 2;
            if (ds.domain(i) < 2 && a == ds.label(i)) {
                agree[ds.domain(i)] += 1.0 / 2000;
            }
            groupCounts[ds.domain(i)][ds.group(i)]++;
            // the invariant block's mean carries the label, the spurious block's the attribute
            assertEquals(ds.label(i), ds.group(i) / 2);
        }
        assertEquals(0.95, agree[0], 0.015);
        assertEquals(0.80, agree[1], 0.025);
        assertArrayEquals(new int[]{250, 250, 250, 250}, groupCounts[2], "val is balanced");
        assertArrayEquals(new int[]{500, 500, 500, 500}, groupCounts[3], "test is balanced");
        assertArrayEquals(ds.rawFeatures(), SpuriousFeatureSuite.build(p, 11).rawFeatures());
        double spuriousSignal = 0;
        for (int i = 0; i < ds.size(); i++) {
            spuriousSignal += (2 * (ds.group(i) % 2) - 1) * ds.feature(i, 5) / ds.size();
        }
        assertEquals(1.0, spuriousSignal, 0.05, "spurious block mean ±1");
    }

    @Test
    void linearUnitTestsShuffleTheSpuriousBlockAtTestTime() {
        for (LinearUnitTests.Example ex : LinearUnitTests.Example.values()) {
            MultiDomainDataset ds = LinearUnitTests.build(ex, 3, 4, 3, 400, false, 21);
            assertEquals(6, ds.domainNames().size());
            assertEquals("E2-test", ds.domainNames().get(5));
            assertEquals(7, ds.numFeatures());
            assertArrayEquals(ds.rawFeatures(), LinearUnitTests.build(ex, 3, 4, 3, 400, false, 21).rawFeatures());
            MultiDomainDataset scrambled = LinearUnitTests.build(ex, 3, 4, 3, 400, true, 21);
            assertEquals(ds.size(), scrambled.size());
        }
        // Example3: the spurious block separates the classes in training, not at test time
        MultiDomainDataset ex3 = LinearUnitTests.build(LinearUnitTests.Example.EXAMPLE3, 2, 3, 2, 1000, false, 22);
        assertTrue(spuriousAccuracy(ex3, 0) > 0.9, "train: spurious margin is large");
        assertEquals(0.5, spuriousAccuracy(ex3, 2), 0.06, "test: spurious block shuffled");
        // Example2: the label is the sign of the animal block's sum
        MultiDomainDataset ex2 = LinearUnitTests.build(LinearUnitTests.Example.EXAMPLE2, 3, 3, 2, 300, false, 23);
        for (int i = 0; i < ex2.size(); i++) {
            double s = ex2.feature(i, 0) + ex2.feature(i, 1) + ex2.feature(i, 2);
            assertEquals(s > 0 ? 1 : 0, ex2.label(i));
        }
        assertThrows(IllegalArgumentException.class, () -> LinearUnitTests.build(LinearUnitTests.Example.EXAMPLE1, 2, 2, 1, 10, false, 0));
    }

    /** Accuracy of predicting the label from the sign of the spurious block projected on the first domain's class-0 mean. */
    private static double spuriousAccuracy(MultiDomainDataset ds, int domain) {
        int[] rows = ds.rowsOfDomain(domain);
        double[] mean0 = new double[3];
        for (int i : rows) {
            for (int j = 0; j < 3; j++) {
                mean0[j] += (ds.label(i) == 0 ? 1 : -1) * ds.feature(i, 2 + j);
            }
        }
        int correct = 0;
        for (int i : rows) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                s += mean0[j] * ds.feature(i, 2 + j);
            }
            correct += (s > 0 ? 0 : 1) == ds.label(i) ? 1 : 0;
        }
        return correct / (double) rows.length;
    }
}
