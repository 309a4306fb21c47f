package io.github.cma4j.datasets;

import io.github.cma4j.core.hparam.SeedHash;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * DomainBed's per-domain split into an "in" part (training) and an "out" part (validation). For domain i, its
 * rows are shuffled with a generator seeded by {@code seed_hash(trialSeed, i)}; the first
 * {@code floor(n_i · holdoutFraction)} become "out" and the rest "in". The split depends only on the trial seed
 * and the domain, never on the algorithm or hyperparameters, so every algorithm of a sweep sees the same split.
 *
 * @param in  per domain id, the "in" rows (ascending).
 * @param out per domain id, the "out" rows (ascending).
 */
public record InOutSplit(List<int[]> in, List<int[]> out) {

    /** DomainBed's default holdout fraction. */
    public static final double DEFAULT_HOLDOUT = 0.2;

    /**
     * @param dataset         the dataset.
     * @param holdoutFraction fraction of each domain held out, in [0, 1).
     * @param trialSeed       the trial seed.
     * @return the split.
     */
    public static InOutSplit domainBed(MultiDomainDataset dataset, double holdoutFraction, long trialSeed) {
        if (!(holdoutFraction >= 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdout fraction must be in [0, 1), got " + holdoutFraction);
        }
        List<int[]> in = new ArrayList<>();
        List<int[]> out = new ArrayList<>();
        for (int d = 0; d < dataset.domainNames().size(); d++) {
            int[] rows = dataset.rowsOfDomain(d);
            shuffle(rows, new SplittableRandom(SeedHash.of(trialSeed, d)));
            int numOut = (int) (rows.length * holdoutFraction);
            int[] o = Arrays.copyOfRange(rows, 0, numOut);
            int[] i = Arrays.copyOfRange(rows, numOut, rows.length);
            Arrays.sort(o);
            Arrays.sort(i);
            out.add(o);
            in.add(i);
        }
        return new InOutSplit(List.copyOf(in), List.copyOf(out));
    }

    /** Fisher–Yates shuffle in place. */
    public static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
