package io.github.cma4j.datasets.build;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.InOutSplit;
import io.github.cma4j.datasets.MultiDomainDataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A linear-probing benchmark in the Waterbirds/CelebA mould, with features drawn directly (docs/datasets.md,
 * "offline analogue"). A binary label y and a binary spurious attribute a; groups = 2·y + a, so worst-group
 * accuracy is the metric that matters.
 * <ul>
 *     <li>Training domains: one per entry of {@code trainCorrelations}, where a = y with that probability (default
 *     0.95 and 0.80), so the attribute is a shortcut whose strength differs across domains.</li>
 *     <li>{@code val} and {@code test}: balanced, exactly a quarter of each group.</li>
 *     <li>Features: an invariant block ((2y−1)·μ_inv + N(0, σ_inv²) per coordinate), a spurious block
 *     ((2a−1)·μ_spu + N(0, σ_spu²)) and a pure-noise block N(0, 1), concatenated in that order. With the defaults
 *     the invariant block alone allows Φ(μ_inv √dimInv / σ_inv) ≈ 0.87 accuracy in every group, while the
 *     spurious block predicts a almost perfectly.</li>
 * </ul>
 * Random draws, in order, from one {@link SplittableRandom(seed)}: per domain, per example, y (training domains),
 * a, then the features; val/test examples are generated group by group and shuffled.
 */
public final class SpuriousFeatureSuite {
    /** Dataset name. */
    public static final String NAME = "SpuriousFeatures";

    private SpuriousFeatureSuite() {
    }

    /**
     * Settings.
     *
     * @param dimInvariant      invariant coordinates.
     * @param dimSpurious       spurious coordinates.
     * @param dimNoise          noise coordinates.
     * @param trainCorrelations P(a = y) in each training domain.
     * @param trainPerDomain    examples per training domain.
     * @param valSize           validation examples (a multiple of 4).
     * @param testSize          test examples (a multiple of 4).
     * @param invariantMean     μ_inv.
     * @param invariantNoise    σ_inv.
     * @param spuriousMean      μ_spu.
     * @param spuriousNoise     σ_spu.
     */
    public record Params(int dimInvariant, int dimSpurious, int dimNoise, double[] trainCorrelations, int trainPerDomain,
                         int valSize, int testSize, double invariantMean, double invariantNoise, double spuriousMean,
                         double spuriousNoise) {
        /** Validates. */
        public Params {
            if (dimInvariant < 1 || dimSpurious < 1 || dimNoise < 0 || trainPerDomain < 1 || valSize % 4 != 0
                    || testSize % 4 != 0 || valSize < 4 || testSize < 4 || trainCorrelations.length < 1) {
                throw new IllegalArgumentException("invalid spurious-suite settings: dims >= 1 (noise >= 0), sizes >= 1, "
                        + "val/test sizes positive multiples of 4, at least one training domain");
            }
            for (double rho : trainCorrelations) {
                if (!(rho >= 0 && rho <= 1)) {
                    throw new IllegalArgumentException("correlation " + rho + " is outside [0, 1]");
                }
            }
            trainCorrelations = trainCorrelations.clone();
        }

        /** @return 5 invariant, 5 spurious, 10 noise coordinates; correlations 0.95 and 0.80; 2000 per training domain; val 1000; test 2000. */
        public static Params defaults() {
            return new Params(5, 5, 10, new double[]{0.95, 0.80}, 2000, 1000, 2000, 0.5, 1.0, 1.0, 0.3);
        }
    }

    /**
     * @param params settings.
     * @param seed   data seed.
     * @return domains {@code train-0.95}, {@code train-0.80}, …, {@code val}, {@code test}.
     */
    public static MultiDomainDataset build(Params params, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = params.dimInvariant() + params.dimSpurious() + params.dimNoise();
        List<float[]> rows = new ArrayList<>();
        List<int[]> meta = new ArrayList<>();    // {label, domain, group}
        List<String> names = new ArrayList<>();
        double[] rhos = params.trainCorrelations();
        for (int e = 0; e < rhos.length; e++) {
            names.add(String.format(java.util.Locale.ROOT, "train-%.2f", rhos[e]));
            for (int i = 0; i < params.trainPerDomain(); i++) {
                int y = rng.nextBoolean() ? 1 : 0;
                int a = rng.nextDouble() < rhos[e] ? y : 1 - y;
                rows.add(features(params, y, a, rng));
                meta.add(new int[]{y, e, 2 * y + a});
            }
        }
        int[] sizes = {params.valSize(), params.testSize()};
        String[] balanced = {"val", "test"};
        for (int b = 0; b < 2; b++) {
            int domain = names.size();
            names.add(balanced[b]);
            int start = rows.size();
            for (int g = 0; g < 4; g++) {
                for (int i = 0; i < sizes[b] / 4; i++) {
                    rows.add(features(params, g / 2, g % 2, rng));
                    meta.add(new int[]{g / 2, domain, g});
                }
            }
            int[] order = java.util.stream.IntStream.range(start, rows.size()).toArray();
            InOutSplit.shuffle(order, rng);
            List<float[]> r = new ArrayList<>();
            List<int[]> m = new ArrayList<>();
            for (int k : order) {
                r.add(rows.get(k));
                m.add(meta.get(k));
            }
            for (int k = 0; k < order.length; k++) {
                rows.set(start + k, r.get(k));
                meta.set(start + k, m.get(k));
            }
        }
        int n = rows.size();
        float[] f = new float[n * d];
        int[] labels = new int[n];
        int[] domains = new int[n];
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, f, i * d, d);
            labels[i] = meta.get(i)[0];
            domains[i] = meta.get(i)[1];
            groups[i] = meta.get(i)[2];
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("dims", params.dimInvariant() + "+" + params.dimSpurious() + "+" + params.dimNoise());
        p.put("train_correlations", java.util.Arrays.toString(rhos));
        p.put("sizes", params.trainPerDomain() + " per training domain, val " + params.valSize() + ", test " + params.testSize());
        p.put("means_noises", params.invariantMean() + "/" + params.invariantNoise() + ", " + params.spuriousMean() + "/"
                + params.spuriousNoise());
        p.put("groups", "2*label + attribute");
        return new MultiDomainDataset(NAME, f, d, labels, domains, groups, names, List.of("0", "1"), new int[]{d},
                DatasetProvenance.generated(NAME, p, seed));
    }

    private static float[] features(Params p, int y, int a, SplittableRandom rng) {
        float[] x = new float[p.dimInvariant() + p.dimSpurious() + p.dimNoise()];
        int k = 0;
        for (int j = 0; j < p.dimInvariant(); j++) {
            x[k++] = (float) ((2 * y - 1) * p.invariantMean() + p.invariantNoise() * rng.nextGaussian());
        }
        for (int j = 0; j < p.dimSpurious(); j++) {
            x[k++] = (float) ((2 * a - 1) * p.spuriousMean() + p.spuriousNoise() * rng.nextGaussian());
        }
        for (int j = 0; j < p.dimNoise(); j++) {
            x[k++] = (float) rng.nextGaussian();
        }
        return x;
    }
}
