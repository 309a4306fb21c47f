package io.github.cma4j.datasets.build;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.InOutSplit;
import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.fashion.FashionMnist;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * ColoredFashionMNIST: DomainBed's ColoredMNIST recipe applied to Fashion-MNIST (docs/datasets.md), and
 * the original IRM protocol's variant (§3).
 * <p>
 * Per image: binary label y = [class &lt; 5] ({T-shirt, Trouser, Pullover, Dress, Coat} vs the rest), flipped with
 * probability 0.25 (label noise); colour c = y flipped with the environment's probability e; two channels equal to
 * the image, channel 1 − c zeroed; pixels scaled to [0, 1]. The shape predicts the label 75% of the time, the
 * colour 1 − e of the time. Groups are 2·y + c (label × colour) for worst-group accuracy.
 * <ul>
 *     <li>{@link #domainBed}: train + test images (70,000), one permutation, environment i takes rows i, i+3, …;
 *     e = 0.1, 0.2, 0.9 (names +90%, +80%, -90%); input 2×28×28 (DomainBed does not subsample) or 2×14×14.</li>
 *     <li>{@link #irmProtocol}: training file only; its first 50,000 images shuffled, even positions e = 0.2 (+80%),
 *     odd positions e = 0.1 (+90%); the last 10,000 images, unshuffled, e = 0.9 (-90%); input 2×14×14.</li>
 * </ul>
 * The data seed is the trial seed alone (unlike DomainBed, whose job seed differs per algorithm). All random draws
 * come, in a documented order, from one {@link SplittableRandom}: the permutation, then per environment and
 * image the label-noise draw and the colour draw.
 */
public final class ColoredFashionMnist {
    /** Dataset name. */
    public static final String NAME = "ColoredFashionMNIST";
    /** Label noise. */
    public static final double LABEL_NOISE = 0.25;

    private ColoredFashionMnist() {
    }

    /** Input resolution. */
    public enum Resolution {
        /** 2×28×28, DomainBed's input. */
        FULL(28),
        /** 2×14×14, every other row and column, the original IRM input. */
        HALF(14);

        private final int side;

        Resolution(int side) {
            this.side = side;
        }

        /** @return the image side. */
        public int side() {
            return side;
        }
    }

    /**
     * DomainBed's recipe.
     *
     * @param pool       verified Fashion-MNIST.
     * @param seed       the data seed (trial seed).
     * @param resolution 28 or 14 pixels per side.
     * @return three environments of 23,334 / 23,333 / 23,333 images.
     */
    public static MultiDomainDataset domainBed(FashionMnist.Pool pool, long seed, Resolution resolution) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] perm = IntStream.range(0, pool.size()).toArray();
        InOutSplit.shuffle(perm, rng);
        double[] flips = {0.1, 0.2, 0.9};
        int[][] envRows = new int[3][];
        for (int e = 0; e < 3; e++) {
            final int start = e;
            envRows[e] = IntStream.iterate(start, i -> i < perm.length, i -> i + 3).map(i -> perm[i]).toArray();
        }
        return build(pool, envRows, flips, rng, resolution, "domainbed", seed);
    }

    /**
     * The original IRM script's recipe.
     *
     * @param pool verified Fashion-MNIST (its first 60,000 images must be the training file).
     * @param seed the data seed.
     * @return environments +80% (25,000), +90% (25,000) and -90% (10,000), at 2×14×14.
     */
    public static MultiDomainDataset irmProtocol(FashionMnist.Pool pool, long seed) {
        if (pool.numTrain() < 60_000) {
            throw new IllegalArgumentException("the IRM protocol needs the 60,000 training images, the pool has " + pool.numTrain());
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int[] train = IntStream.range(0, 50_000).toArray();
        InOutSplit.shuffle(train, rng);
        int[][] envRows = {
                IntStream.iterate(0, i -> i < train.length, i -> i + 2).map(i -> train[i]).toArray(),
                IntStream.iterate(1, i -> i < train.length, i -> i + 2).map(i -> train[i]).toArray(),
                IntStream.range(50_000, 60_000).toArray()};
        return build(pool, envRows, new double[]{0.2, 0.1, 0.9}, rng, Resolution.HALF, "irm", seed);
    }

    /** DomainBed's names: colour agreement 1 − e as "+90%", or "-90%" when the colour mostly disagrees. */
    static String environmentName(double flip) {
        return flip < 0.5 ? "+" + Math.round((1 - flip) * 100) + "%" : "-" + Math.round(flip * 100) + "%";
    }

    private static MultiDomainDataset build(FashionMnist.Pool pool, int[][] envRows, double[] flips, SplittableRandom rng,
                                            Resolution resolution, String protocol, long seed) {
        int side = resolution.side();
        int step = pool.rows() / side;
        int plane = side * side;
        int n = 0;
        for (int[] rows : envRows) {
            n += rows.length;
        }
        float[] features = new float[n * 2 * plane];
        int[] labels = new int[n];
        int[] domains = new int[n];
        int[] groups = new int[n];
        int out = 0;
        for (int e = 0; e < envRows.length; e++) {
            for (int img : envRows[e]) {
                int y = pool.labels()[img] < 5 ? 1 : 0;
                if (rng.nextDouble() < LABEL_NOISE) {
                    y ^= 1;
                }
                int c = rng.nextDouble() < flips[e] ? y ^ 1 : y;
                int base = out * 2 * plane + c * plane;     // channel c keeps the image, channel 1 − c stays 0
                for (int r = 0; r < side; r++) {
                    for (int col = 0; col < side; col++) {
                        features[base + r * side + col] = pool.pixel(img, r * step, col * step) / 255f;
                    }
                }
                labels[out] = y;
                domains[out] = e;
                groups[out] = 2 * y + c;
                out++;
            }
        }
        List<String> names = java.util.Arrays.stream(flips).mapToObj(ColoredFashionMnist::environmentName).toList();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("protocol", protocol);
        params.put("resolution", side + "x" + side);
        params.put("label_noise", Double.toString(LABEL_NOISE));
        params.put("colour_flip", flips[0] + "," + flips[1] + "," + flips[2]);
        params.put("groups", "2*label + colour");
        return new MultiDomainDataset(NAME, features, 2 * plane, labels, domains, groups, names,
                List.of("class>=5", "class<5"), new int[]{2, side, side},
                new DatasetProvenance(NAME, params, seed, pool.sha256s()));
    }
}
