package io.github.cma4j.core.testing;

import io.github.cma4j.core.head.HeadBatch;
import org.ejml.data.DMatrixRMaj;

import java.util.Random;

/**
 * A seeded random multi-domain batch and head for tests. Features are shifted per domain so that the domains
 * really differ, and W is scaled so that the softmax is neither uniform nor saturated.
 *
 * @param X          features, n×D.
 * @param labels     labels.
 * @param domains    domain ids.
 * @param numClasses C.
 * @param W          head, C×D.
 */
public record RandomCase(DMatrixRMaj X, int[] labels, int[] domains, int numClasses, DMatrixRMaj W) {

    /**
     * @param seed        RNG seed.
     * @param numClasses  C.
     * @param numFeatures D.
     * @param sizes       n_e per domain; domain e gets id {@code 2e+1} so that ids are not 0..E-1.
     * @return the case.
     */
    public static RandomCase of(long seed, int numClasses, int numFeatures, int... sizes) {
        Random rng = new Random(seed);
        int n = 0;
        for (int s : sizes) {
            n += s;
        }
        DMatrixRMaj X = new DMatrixRMaj(n, numFeatures);
        int[] labels = new int[n];
        int[] domains = new int[n];
        int row = 0;
        for (int e = 0; e < sizes.length; e++) {
            double shift = 0.5 * e;
            for (int r = 0; r < sizes[e]; r++, row++) {
                for (int j = 0; j < numFeatures; j++) {
                    X.set(row, j, rng.nextGaussian() * (1 + 0.3 * e) + shift);
                }
                labels[row] = rng.nextInt(numClasses);
                domains[row] = 2 * e + 1;
            }
        }
        // interleave rows so that domains are not contiguous
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            swapRows(X, i, j);
            int t = labels[i]; labels[i] = labels[j]; labels[j] = t;
            t = domains[i]; domains[i] = domains[j]; domains[j] = t;
        }
        DMatrixRMaj W = new DMatrixRMaj(numClasses, numFeatures);
        double scale = 1.0 / Math.sqrt(numFeatures);
        for (int idx = 0; idx < W.getNumElements(); idx++) {
            W.data[idx] = rng.nextGaussian() * scale;
        }
        return new RandomCase(X, labels, domains, numClasses, W);
    }

    /** @return the batch. */
    public HeadBatch batch() {
        return new HeadBatch(X, labels, domains, numClasses);
    }

    /** @return a batch over other features (same labels and domains). */
    public HeadBatch batch(DMatrixRMaj features) {
        return new HeadBatch(features, labels, domains, numClasses);
    }

    @Override
    public String toString() {
        return "C=" + numClasses + ", D=" + X.numCols + ", sizes=" + java.util.Arrays.toString(
                java.util.Arrays.stream(domains).boxed().collect(java.util.stream.Collectors.groupingBy(
                        d -> d, java.util.TreeMap::new, java.util.stream.Collectors.counting())).values().toArray());
    }

    private static void swapRows(DMatrixRMaj m, int a, int b) {
        for (int j = 0; j < m.numCols; j++) {
            double t = m.get(a, j);
            m.set(a, j, m.get(b, j));
            m.set(b, j, t);
        }
    }
}
