package io.github.cma4j.datasets.build;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.RandomMatrices_DDRM;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The three linear "invariance unit tests" (Aubin, Słowik, Arjovsky, Bottou, Lopez-Paz, "Linear unit-tests for
 * invariance discovery", 2021; the {@code facebookresearch/InvarianceUnitTests} generators, also used by ISR), as
 * tiny multi-domain datasets. Each has an invariant block (dim_inv) and a spurious block (dim_spu); the test split
 * of each environment shuffles the spurious block across examples, so only an invariant predictor keeps its
 * accuracy. With {@code scrambled}, inputs are multiplied by a random orthogonal matrix (the "s" variants).
 * <ul>
 *     <li><b>Example1</b> — cause and effect with heteroskedastic noise: x ~ N(0, σ_e²), y = x W_xy + N(0, σ_e²),
 *     z = y W_yz + N(0, 1); σ_e = 0.1, 1.5, 2, then 10^U(−2,1). The original is a regression on Σy; cma4j's heads
 *     classify, so the label here is [Σy &gt; 0].</li>
 *     <li><b>Example2</b> — cows and camels: four (animal, background) prototypes ±1 with per-environment mixing
 *     (p, s) = (0.95, 0.3), (0.97, 0.5), (0.99, 0.7), then U(0.9,1), U(0.3,0.7); the animal block is 100× noisier
 *     (snr 1e-2) than the background; label [Σ animal block &gt; 0].</li>
 *     <li><b>Example3</b> — small invariant margin: invariant ±0.1 + N(0, 0.01), spurious ±μ_e + N(0, 0.01) with
 *     μ_e ~ N(0, I) per environment; half the examples of each class.</li>
 * </ul>
 * Domains are {@code E0 … E(k−1)} (train) and {@code E0-test …} (spurious block shuffled). The generators follow
 * the original's structure with Java's random numbers, so values are not identical to PyTorch's.
 */
public final class LinearUnitTests {

    private LinearUnitTests() {
    }

    /** Which example. */
    public enum Example {
        /** Cause and effect, heteroskedastic noise (binarised regression). */
        EXAMPLE1,
        /** Cows and camels. */
        EXAMPLE2,
        /** Small invariant margin versus large spurious margin. */
        EXAMPLE3
    }

    /**
     * @param example      which example.
     * @param dimInvariant invariant coordinates.
     * @param dimSpurious  spurious coordinates.
     * @param numEnvs      environments (≥ 2 for Example1 and Example2).
     * @param perEnv       examples per environment and split.
     * @param scrambled    rotate inputs by a random orthogonal matrix.
     * @param seed         data seed.
     * @return 2·numEnvs domains (train, then test).
     */
    public static MultiDomainDataset build(Example example, int dimInvariant, int dimSpurious, int numEnvs, int perEnv,
                                           boolean scrambled, long seed) {
        if (dimInvariant < 1 || dimSpurious < 1 || perEnv < 2 || numEnvs < (example == Example.EXAMPLE3 ? 1 : 2)) {
            throw new IllegalArgumentException("invalid unit-test settings for " + example + ": dims >= 1, perEnv >= 2, "
                    + "numEnvs >= " + (example == Example.EXAMPLE3 ? 1 : 2));
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int d = dimInvariant + dimSpurious;
        DMatrixRMaj scramble = scrambled ? RandomMatrices_DDRM.orthogonal(d, d, new Random(rng.nextLong()))
                : org.ejml.dense.row.CommonOps_DDRM.identity(d);
        Generator gen = switch (example) {
            case EXAMPLE1 -> new Example1(dimInvariant, dimSpurious, numEnvs, rng);
            case EXAMPLE2 -> new Example2(dimInvariant, dimSpurious, numEnvs, rng);
            case EXAMPLE3 -> new Example3(dimInvariant, dimSpurious, numEnvs, rng);
        };
        List<String> names = new ArrayList<>();
        for (int e = 0; e < numEnvs; e++) {
            names.add("E" + e);
        }
        for (int e = 0; e < numEnvs; e++) {
            names.add("E" + e + "-test");
        }
        int n = 2 * numEnvs * perEnv;
        float[] f = new float[n * d];
        int[] labels = new int[n];
        int[] domains = new int[n];
        int row = 0;
        for (int split = 0; split < 2; split++) {
            for (int e = 0; e < numEnvs; e++) {
                double[][] x = new double[perEnv][];
                int[] y = new int[perEnv];
                gen.sample(e, perEnv, rng, x, y);
                if (split == 1) {        // test: shuffle the spurious block across examples
                    int[] perm = java.util.stream.IntStream.range(0, perEnv).toArray();
                    io.github.cma4j.datasets.InOutSplit.shuffle(perm, rng);
                    double[][] spurious = new double[perEnv][];
                    for (int i = 0; i < perEnv; i++) {
                        spurious[i] = java.util.Arrays.copyOfRange(x[perm[i]], dimInvariant, d);
                    }
                    for (int i = 0; i < perEnv; i++) {
                        System.arraycopy(spurious[i], 0, x[i], dimInvariant, dimSpurious);
                    }
                }
                for (int i = 0; i < perEnv; i++, row++) {
                    for (int j = 0; j < d; j++) {
                        double v = 0;
                        for (int k = 0; k < d; k++) {
                            v += x[i][k] * scramble.get(k, j);      // inputs = x @ scramble
                        }
                        f[row * d + j] = (float) v;
                    }
                    labels[row] = y[i];
                    domains[row] = split * numEnvs + e;
                }
            }
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("example", example.name());
        p.put("dim_inv", Integer.toString(dimInvariant));
        p.put("dim_spu", Integer.toString(dimSpurious));
        p.put("n_envs", Integer.toString(numEnvs));
        p.put("per_env", Integer.toString(perEnv));
        p.put("scrambled", Boolean.toString(scrambled));
        String name = "Linear" + example.name().charAt(0) + example.name().substring(1).toLowerCase(java.util.Locale.ROOT)
                + (scrambled ? "s" : "");
        return new MultiDomainDataset(name, f, d, labels, domains, null, names, List.of("0", "1"), new int[]{d},
                DatasetProvenance.generated(name, p, seed));
    }

    private interface Generator {
        void sample(int env, int n, SplittableRandom rng, double[][] x, int[] y);
    }

    private static double[][] gaussian(int rows, int cols, SplittableRandom rng) {
        double[][] m = new double[rows][cols];
        for (double[] r : m) {
            for (int j = 0; j < cols; j++) {
                r[j] = rng.nextGaussian();
            }
        }
        return m;
    }

    private static final class Example1 implements Generator {
        private final int dimInv;
        private final int dimSpu;
        private final double[] sdv;
        private final double[][] wxy;
        private final double[][] wyz;

        Example1(int dimInv, int dimSpu, int numEnvs, SplittableRandom rng) {
            this.dimInv = dimInv;
            this.dimSpu = dimSpu;
            sdv = new double[numEnvs];
            double[] fixed = {0.1, 1.5, 2};
            for (int e = 0; e < numEnvs; e++) {
                sdv[e] = e < 3 ? fixed[e] : Math.pow(10, -2 + 3 * rng.nextDouble());
            }
            wxy = gaussian(dimInv, dimInv, rng);
            wyz = gaussian(dimInv, dimSpu, rng);
            for (double[] r : wxy) {
                for (int j = 0; j < dimInv; j++) {
                    r[j] /= dimInv;
                }
            }
            for (double[] r : wyz) {
                for (int j = 0; j < dimSpu; j++) {
                    r[j] /= dimSpu;
                }
            }
        }

        @Override
        public void sample(int env, int n, SplittableRandom rng, double[][] x, int[] y) {
            double s = sdv[env];
            for (int i = 0; i < n; i++) {
                double[] xi = new double[dimInv];
                for (int j = 0; j < dimInv; j++) {
                    xi[j] = rng.nextGaussian() * s;
                }
                double[] yi = new double[dimInv];
                double sum = 0;
                for (int j = 0; j < dimInv; j++) {
                    for (int k = 0; k < dimInv; k++) {
                        yi[j] += xi[k] * wxy[k][j];
                    }
                    yi[j] += rng.nextGaussian() * s;
                    sum += yi[j];
                }
                double[] row = new double[dimInv + dimSpu];
                System.arraycopy(xi, 0, row, 0, dimInv);
                for (int j = 0; j < dimSpu; j++) {
                    double z = rng.nextGaussian();
                    for (int k = 0; k < dimInv; k++) {
                        z += yi[k] * wyz[k][j];
                    }
                    row[dimInv + j] = z;
                }
                x[i] = row;
                y[i] = sum > 0 ? 1 : 0;
            }
        }
    }

    private static final class Example2 implements Generator {
        private final int dimInv;
        private final int dimSpu;
        private final double[][] ps;

        Example2(int dimInv, int dimSpu, int numEnvs, SplittableRandom rng) {
            this.dimInv = dimInv;
            this.dimSpu = dimSpu;
            double[][] fixed = {{0.95, 0.3}, {0.97, 0.5}, {0.99, 0.7}};
            ps = new double[numEnvs][];
            for (int e = 0; e < numEnvs; e++) {
                ps[e] = e < 3 ? fixed[e] : new double[]{0.9 + 0.1 * rng.nextDouble(), 0.3 + 0.4 * rng.nextDouble()};
            }
        }

        @Override
        public void sample(int env, int n, SplittableRandom rng, double[][] x, int[] y) {
            double p = ps[env][0];
            double s = ps[env][1];
            double[] w = {p * s, (1 - p) * s, p * (1 - s), (1 - p) * (1 - s)};      // prototypes 0..3
            double[] fg = {1, 1, -1, -1};
            double[] bg = {1, -1, -1, 1};
            for (int i = 0; i < n; i++) {
                double u = rng.nextDouble();     // prototype k with probability w[k]
                int k = 0;
                double acc = w[0];
                while (u >= acc && k < 3) {
                    k++;
                    acc += w[k];
                }
                double[] row = new double[dimInv + dimSpu];
                double sum = 0;
                for (int j = 0; j < dimInv; j++) {
                    row[j] = (rng.nextGaussian() / Math.sqrt(10) + fg[k]) * 1e-2;
                    sum += row[j];
                }
                for (int j = 0; j < dimSpu; j++) {
                    row[dimInv + j] = rng.nextGaussian() / Math.sqrt(10) + bg[k];
                }
                x[i] = row;
                y[i] = sum > 0 ? 1 : 0;
            }
        }
    }

    private static final class Example3 implements Generator {
        private final int dimInv;
        private final int dimSpu;
        private final double[][] means;

        Example3(int dimInv, int dimSpu, int numEnvs, SplittableRandom rng) {
            this.dimInv = dimInv;
            this.dimSpu = dimSpu;
            means = gaussian(numEnvs, dimSpu, rng);
        }

        @Override
        public void sample(int env, int n, SplittableRandom rng, double[][] x, int[] y) {
            int m = n / 2;
            for (int i = 0; i < n; i++) {
                int label = i < m ? 0 : 1;
                double sign = label == 0 ? 1 : -1;      // class 0: invariant +0.1, spurious +μ_e
                double[] row = new double[dimInv + dimSpu];
                for (int j = 0; j < dimInv; j++) {
                    row[j] = rng.nextGaussian() * 0.1 + sign * 0.1;
                }
                for (int j = 0; j < dimSpu; j++) {
                    row[dimInv + j] = rng.nextGaussian() * 0.1 + sign * means[env][j];
                }
                x[i] = row;
                y[i] = label;
            }
        }
    }
}
