package io.github.cma4j.tribuo;

import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.datasets.InOutSplit;
import org.ejml.data.DMatrixRMaj;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;

/**
 * A Tribuo training set as the dense arrays cma4j's trainers work on: row-major features, label ids, and dense
 * domain ids (domains sorted by name) read from each example's metadata — with the checks that name the offending
 * example. Shared by {@link DomainLinearSGDTrainer} and the fine-tuning trainer; {@link Batcher} forms their
 * minibatches.
 */
public final class DomainData {
    private final double[] features;
    private final int width;
    private final int[] labels;
    private final int[] domains;
    private final List<String> domainNames;

    private DomainData(double[] features, int width, int[] labels, int[] domains, List<String> domainNames) {
        this.features = features;
        this.width = width;
        this.labels = labels;
        this.domains = domains;
        this.domainNames = domainNames;
    }

    /**
     * Reads a dataset.
     *
     * @param examples      the examples, each with its domain under {@code domainKey}.
     * @param domainKey     metadata key of the domain.
     * @param column        feature name → column, or a negative number for a feature without one.
     * @param width         row width (columns beyond the features' stay 0 unless filled).
     * @param rejectUnknown whether a feature without a column is an error (fixed-shape inputs such as images) or
     *                      ignored (Tribuo's behaviour for features unseen in training).
     * @param outputInfo    label ids.
     * @return the dense data.
     * @throws IllegalArgumentException naming the example: no domain metadata, a non-finite value, or (with
     *                                  {@code rejectUnknown}) a feature outside the expected shape.
     */
    public static DomainData densify(Dataset<Label> examples, String domainKey, ToIntFunction<String> column, int width,
                                     boolean rejectUnknown, ImmutableOutputInfo<Label> outputInfo) {
        int n = examples.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot train on an empty dataset");
        }
        double[] features = new double[Math.multiplyExact(n, width)];
        int[] labels = new int[n];
        String[] domainOf = new String[n];
        TreeMap<String, Integer> domainIds = new TreeMap<>();
        int i = 0;
        for (Example<Label> ex : examples) {
            Object domain = ex.getMetadataValue(domainKey).orElse(null);
            if (domain == null) {
                throw new IllegalArgumentException("example " + i + " has no '" + domainKey + "' metadata; every training "
                        + "example needs its domain (Example.setMetadataValue(\"" + domainKey + "\", name))");
            }
            domainOf[i] = domain.toString();
            domainIds.putIfAbsent(domainOf[i], 0);
            for (Feature f : ex) {
                int id = column.applyAsInt(f.getName());
                if (id < 0 || id >= width) {
                    if (rejectUnknown) {
                        throw new IllegalArgumentException("example " + i + " has feature '" + f.getName() + "', which is "
                                + "not one of the " + width + " expected inputs (an image of the wrong shape?)");
                    }
                    continue;
                }
                if (!Double.isFinite(f.getValue())) {
                    throw new IllegalArgumentException("example " + i + " has a non-finite value " + f.getValue()
                            + " for feature '" + f.getName() + "'");
                }
                features[i * width + id] = f.getValue();
            }
            labels[i] = outputInfo.getID(ex.getOutput());
            i++;
        }
        int next = 0;
        for (Map.Entry<String, Integer> e : domainIds.entrySet()) {
            e.setValue(next++);
        }
        int[] domains = new int[n];
        for (int r = 0; r < n; r++) {
            domains[r] = domainIds.get(domainOf[r]);
        }
        return new DomainData(features, width, labels, domains, List.copyOf(domainIds.keySet()));
    }

    /**
     * Sets one column of every row (e.g. a bias column to 1).
     *
     * @param col   the column.
     * @param value its value.
     */
    public void fillColumn(int col, double value) {
        for (int r = 0; r < labels.length; r++) {
            features[r * width + col] = value;
        }
    }

    /** @return the number of rows of each domain, by domain id. */
    public int[] domainSizes() {
        int[] sizes = new int[domainNames.size()];
        for (int d : domains) {
            sizes[d]++;
        }
        return sizes;
    }

    /**
     * Features whose scale differs across domains by more than {@code ratio}: per domain the root mean square of
     * the column, compared between the domains where it is largest and smallest (a domain where the column is all
     * zero is left out).
     *
     * @param numFeatures the feature columns 0..numFeatures−1 (a bias column after them is not looked at).
     * @param names       the columns' names.
     * @param ratio       the factor that counts as "orders of magnitude".
     * @return one line per such feature, naming it and both domains, largest ratio first.
     */
    public List<String> scaleMismatches(int numFeatures, String[] names, double ratio) {
        int numDomains = domainNames.size();
        double[][] sumSquares = new double[numDomains][numFeatures];
        int[] sizes = domainSizes();
        for (int r = 0; r < labels.length; r++) {
            for (int j = 0; j < numFeatures; j++) {
                double v = features[r * width + j];
                sumSquares[domains[r]][j] += v * v;
            }
        }
        List<double[]> found = new java.util.ArrayList<>();
        for (int j = 0; j < numFeatures; j++) {
            int lo = -1;
            int hi = -1;
            double[] rms = new double[numDomains];
            for (int d = 0; d < numDomains; d++) {
                rms[d] = Math.sqrt(sumSquares[d][j] / sizes[d]);
                if (rms[d] > 0 && (lo < 0 || rms[d] < rms[lo])) {
                    lo = d;
                }
                if (rms[d] > 0 && (hi < 0 || rms[d] > rms[hi])) {
                    hi = d;
                }
            }
            if (lo >= 0 && rms[hi] > ratio * rms[lo]) {
                found.add(new double[]{rms[hi] / rms[lo], j, hi, lo, rms[hi], rms[lo]});
            }
        }
        found.sort((a, b) -> Double.compare(b[0], a[0]));
        List<String> out = new java.util.ArrayList<>();
        for (double[] m : found) {
            out.add(String.format(java.util.Locale.ROOT, "feature '%s' is %.3g times larger in domain '%s' (rms %.3g) than in '%s' (rms %.3g)",
                    names[(int) m[1]], m[0], domainNames.get((int) m[2]), m[4], domainNames.get((int) m[3]), m[5]));
        }
        return out;
    }

    /**
     * Standardises feature columns 0..numFeatures−1 in place over all rows: x ← (x − μ)/σ, or x ← x/rms when not
     * {@code centre} (a head without a bias cannot absorb a shift). A constant column keeps σ = 1.
     *
     * @param numFeatures the feature columns.
     * @param centre      whether to subtract the mean.
     * @return {μ, σ}, one entry per column (μ all 0 without centring).
     */
    public double[][] standardize(int numFeatures, boolean centre) {
        int n = labels.length;
        double[] mean = new double[numFeatures];
        double[] scale = new double[numFeatures];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < numFeatures; j++) {
                mean[j] += features[r * width + j] / n;
            }
        }
        if (!centre) {
            java.util.Arrays.fill(mean, 0.0);
        }
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < numFeatures; j++) {
                double v = features[r * width + j] - mean[j];
                scale[j] += v * v / n;
            }
        }
        for (int j = 0; j < numFeatures; j++) {
            scale[j] = scale[j] > 0 ? Math.sqrt(scale[j]) : 1.0;
        }
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < numFeatures; j++) {
                features[r * width + j] = (features[r * width + j] - mean[j]) / scale[j];
            }
        }
        return new double[][]{mean, scale};
    }

    /** @return the number of rows. */
    public int size() {
        return labels.length;
    }

    /** @return the row width. */
    public int width() {
        return width;
    }

    /** @return the domains' names; a domain's id is its index. */
    public List<String> domainNames() {
        return domainNames;
    }

    /**
     * @param rows row indices.
     * @return those rows' features as a row-major float array.
     */
    public float[] floatRows(int[] rows) {
        float[] out = new float[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            int base = rows[r] * width;
            for (int j = 0; j < width; j++) {
                out[r * width + j] = (float) features[base + j];
            }
        }
        return out;
    }

    /** @param rows row indices. @return their label ids. */
    public int[] labels(int[] rows) {
        return gather(labels, rows);
    }

    /** @param rows row indices. @return their domain ids. */
    public int[] domains(int[] rows) {
        return gather(domains, rows);
    }

    private static int[] gather(int[] values, int[] rows) {
        int[] out = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = values[rows[r]];
        }
        return out;
    }

    /**
     * @param rows       row indices.
     * @param numLabels  C.
     * @param biasColumn the bias column, or −1.
     * @return those rows as a head batch.
     */
    public HeadBatch batch(int[] rows, int numLabels, int biasColumn) {
        DMatrixRMaj X = new DMatrixRMaj(rows.length, width);
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(features, rows[r] * width, X.data, r * width, width);
        }
        return new HeadBatch(X, labels(rows), domains(rows), numLabels, biasColumn);
    }

    /**
     * @param mode batch formation.
     * @param size batch size (per domain in DOMAIN_BALANCED mode; ignored in FULL mode).
     * @param rng  the run's generator (every draw comes from it).
     * @return a minibatch schedule over these rows.
     */
    public Batcher batcher(BatchMode mode, int size, SplittableRandom rng) {
        return new Batcher(this, mode, size, rng);
    }

    /** Minibatch schedules; every random draw comes from the run's generator. */
    public static final class Batcher {
        private final BatchMode mode;
        private final int size;
        private final SplittableRandom rng;
        private final int[] all;
        private final int[][] perDomain;
        private final int[] cursor;
        private int pooledCursor;

        private Batcher(DomainData data, BatchMode mode, int size, SplittableRandom rng) {
            this.mode = mode;
            this.size = size;
            this.rng = rng;
            int n = data.labels.length;
            this.all = IntStream.range(0, n).toArray();
            int numDomains = data.domainNames.size();
            this.perDomain = new int[numDomains][];
            for (int d = 0; d < numDomains; d++) {
                final int dd = d;
                perDomain[d] = IntStream.range(0, n).filter(r -> data.domains[r] == dd).toArray();
            }
            this.cursor = new int[numDomains];
            this.pooledCursor = n;      // shuffle on first use
            if (mode == BatchMode.DOMAIN_BALANCED) {
                for (int[] rows : perDomain) {
                    InOutSplit.shuffle(rows, rng);
                }
            }
        }

        /** @return the number of batches that make one pass over the data. */
        public long stepsPerEpoch() {
            return switch (mode) {
                case FULL -> 1;
                case POOLED -> (all.length + size - 1) / size;
                case DOMAIN_BALANCED -> Math.max(1, (all.length + (long) size * perDomain.length - 1) / ((long) size * perDomain.length));
            };
        }

        /** @return the next batch's rows (DOMAIN_BALANCED: {@code size} from every domain, reshuffled per pass). */
        public int[] next() {
            switch (mode) {
                case FULL:
                    return all;
                case POOLED: {
                    if (pooledCursor >= all.length) {
                        InOutSplit.shuffle(all, rng);
                        pooledCursor = 0;
                    }
                    int end = Math.min(all.length, pooledCursor + size);
                    int[] rows = Arrays.copyOfRange(all, pooledCursor, end);
                    pooledCursor = end;
                    return rows;
                }
                default: {
                    int[] rows = new int[size * perDomain.length];
                    int out = 0;
                    for (int d = 0; d < perDomain.length; d++) {
                        for (int k = 0; k < size; k++) {
                            if (cursor[d] >= perDomain[d].length) {
                                InOutSplit.shuffle(perDomain[d], rng);
                                cursor[d] = 0;
                            }
                            rows[out++] = perDomain[d][cursor[d]++];
                        }
                    }
                    return rows;
                }
            }
        }
    }
}
