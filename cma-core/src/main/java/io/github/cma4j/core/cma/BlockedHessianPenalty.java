package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.linalg.FloatProducts;
import io.github.cma4j.core.linalg.Parallelism;
import io.github.cma4j.core.linalg.RowOps;
import io.github.cma4j.core.linalg.TiledOps;
import io.github.cma4j.core.objective.HeadPass;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.data.DMatrixRMaj;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;

/**
 * CMA's full-Hessian penalty in the <b>blocked form</b>: per domain the D×D blocks of c_h H_e, each a weighted
 * Gram matrix of the domain's features (docs/math.md §4.2). Exactly the same value and
 * gradients as {@link GramHessianPenalty}; cheaper when n is large relative to D and C is small.
 * <p>
 * Block (k,l) of c_h H_e is F_e^{kl} = (c_h/n_e) Σ_{i∈B_e} A_i[k,l] x̃_i x̃_iᵀ. Because every row of
 * A_i = diag(p_i) − p_i p_iᵀ sums to zero, the blocks in the last block row and column are determined by the
 * others: H^{k,C−1} = −Σ_{l<C−1} H^{kl} and H^{C−1,C−1} = Σ_{k,l<C−1} H^{kl}. Only the (C−1)C/2 distinct
 * <em>free</em> blocks (k ≤ l &lt; C−1) are built — one block for binary problems — and the rest of the
 * Frobenius norm is recovered from them:
 * <pre>
 *   Δ^{kl} = F_e^{kl} − F̄^{kl},  ρ_k = −Σ_l Δ^{kl},  τ = Σ_{k,l} Δ^{kl}
 *   ‖c_h H_e − c_h H̄‖² = Σ_{k,l} ‖Δ^{kl}‖² + 2 Σ_k ‖ρ_k‖² + ‖τ‖²
 * </pre>
 * Backward: Φ^{kl} = (2/E)(Δ^{kl} − ρ_k − ρ_l + τ) is ∂P/∂F^{kl}; then with Γ_i[k,l] = (c_h/n_e) x̃_iᵀ Φ^{kl} x̃_i,
 * ∂P/∂p_m = Γ_i[m,m] − 2(Γ_i p_i)_m for m &lt; C−1 (0 for the last class) and
 * ∂P/∂x̃_i (direct) = (2c_h/n_e) Σ_{k,l} A_i[k,l] Φ^{kl} x̃_i.
 * <p>
 * Cost ≈ 1.5·n·D²·(C−1)C/2 multiply-adds, memory E·(C−1)C/2·D² doubles — use {@link HessianCostModel} to
 * decide. The two long products (F_e and X_e·Φ) run in float64 or, with {@link ProductPrecision#FLOAT32}, in
 * float32 ({@link FloatProducts}); the rest is float64. Domains run on parallel threads (results do not depend
 * on it). An instance holds workspaces: use one per thread.
 */
public final class BlockedHessianPenalty {
    private final boolean parallel;
    private DMatrixRMaj[][] blocks = new DMatrixRMaj[0][0];
    private DMatrixRMaj[] domainRows = new DMatrixRMaj[0];
    private DMatrixRMaj[][] projections = new DMatrixRMaj[0][];
    private DMatrixRMaj[] scaledT = new DMatrixRMaj[0];
    /** float32 workspaces per domain: X_e (n_e×D), √|weight|-scaled X_e and X_e·Φ per block (n_e×ld), Φ (D×ld). */
    private float[][] floatRows = new float[0][];
    private float[][] floatScaled = new float[0][];
    private float[][][] floatProjections = new float[0][][];
    private float[][] floatPhi = new float[0][];

    /** Domains in parallel unless {@code -Dcma4j.parallel=false} ({@link Parallelism#ENABLED}). */
    public BlockedHessianPenalty() {
        this(Parallelism.ENABLED);
    }

    /** @param parallel whether domains run on parallel threads (tests compare both). */
    BlockedHessianPenalty(boolean parallel) {
        this.parallel = parallel;
    }

    /**
     * Computes P_hess and adds {@code weight}·∂P_hess into the pass's accumulators.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param ch     the normalisation constant c_h.
     * @param weight the penalty's weight β in the objective.
     * @return the unweighted P_hess.
     */
    public double addTo(HeadPass pass, double ch, double weight) {
        return addTo(pass, ch, weight, ProductPrecision.FLOAT64);
    }

    /**
     * As {@link #addTo(HeadPass, double, double)}, with the long products in the given precision.
     *
     * @param pass      the forward pass. Its accumulators are modified.
     * @param ch        the normalisation constant c_h.
     * @param weight    the penalty's weight β in the objective.
     * @param precision arithmetic of F_e and X_e·Φ.
     * @return the unweighted P_hess.
     */
    public double addTo(HeadPass pass, double ch, double weight, ProductPrecision precision) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        if (numDomains < 2) {
            return 0.0;
        }
        Layout layout = new Layout(pass.probabilities().numCols, pass.features().numCols, precision);
        ensureBlocks(numDomains + 1, layout.numPairs, layout.d);
        if (domainRows.length < numDomains) {
            domainRows = Arrays.copyOf(domainRows, numDomains);
            scaledT = Arrays.copyOf(scaledT, numDomains);
            projections = Arrays.copyOf(projections, numDomains);
            floatRows = Arrays.copyOf(floatRows, numDomains);
            floatScaled = Arrays.copyOf(floatScaled, numDomains);
            floatProjections = Arrays.copyOf(floatProjections, numDomains);
            floatPhi = Arrays.copyOf(floatPhi, numDomains);
        }
        // Each domain's blocks, and later its share of the backward pass, are independent: run the domains in
        // parallel. Everything that mixes domains (the mean, the total) is summed in domain order afterwards, so the
        // result is bit-identical whatever the number of threads.
        forEachDomain(numDomains, e -> formBlocks(pass, e, ch, layout));
        DMatrixRMaj[] mean = blocks[numDomains];
        for (int pair = 0; pair < layout.numPairs; pair++) {
            mean[pair].zero();
            for (int e = 0; e < numDomains; e++) {
                axpy(1.0 / numDomains, blocks[e][pair].data, 0, mean[pair].data, 0, layout.d * layout.d);
            }
        }
        double[] domainSums = new double[numDomains];
        forEachDomain(numDomains, e -> domainSums[e] = deviationAndBackward(pass, e, ch, weight, layout, mean));
        double total = 0;
        for (double v : domainSums) {
            total += v;
        }
        return total / numDomains;
    }

    /** Index bookkeeping of the free blocks for C classes and D features, and the products' precision. */
    private static final class Layout {
        final int c;
        final int d;
        final ProductPrecision precision;
        final int free;
        final int numPairs;
        final int[][] pairOf;

        Layout(int c, int d, ProductPrecision precision) {
            this.c = c;
            this.d = d;
            this.precision = precision;
            this.free = c - 1;
            this.numPairs = free * (free + 1) / 2;
            this.pairOf = new int[free][free];
            for (int kk = 0, pair = 0; kk < free; kk++) {
                for (int l = kk; l < free; l++, pair++) {
                    pairOf[kk][l] = pair;
                    pairOf[l][kk] = pair;
                }
            }
        }
    }

    private void forEachDomain(int numDomains, IntConsumer body) {
        if (parallel) {
            IntStream.range(0, numDomains).parallel().forEach(body);
        } else {
            for (int e = 0; e < numDomains; e++) {
                body.accept(e);
            }
        }
    }

    /**
     * F_e^{kl} = (c_h/n_e) Σ_i A_i[k,l] x̃_i x̃_iᵀ. Every weight has a fixed sign (A_i[k,k] = p_k(1−p_k) ≥ 0,
     * A_i[k,l] = −p_k p_l ≤ 0), so each block is ±S Sᵀ with S = the domain's X̃ᵀ scaled column-wise by √|weight|:
     * one symmetric tiled product per block.
     */
    private void formBlocks(HeadPass pass, int e, double ch, Layout layout) {
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        int c = layout.c;
        int d = layout.d;
        int[] rows = pass.index().rows(e);
        int ne = rows.length;
        double scale = ch / ne;
        if (layout.precision == ProductPrecision.FLOAT32) {
            formBlocksFloat(X, P, rows, e, scale, layout);
            return;
        }
        domainRows[e] = gatherRows(X, rows, domainRows[e]);
        scaledT[e] = RowOps.reshaped(scaledT[e], d, ne);
        double[] st = scaledT[e].data;
        for (int kk = 0; kk < layout.free; kk++) {
            for (int l = kk; l < layout.free; l++) {
                for (int r = 0; r < ne; r++) {
                    int i = rows[r];
                    double root = rootWeight(P.data, i * c, kk, l, scale);
                    for (int j = 0; j < d; j++) {
                        st[j * ne + r] = root * X.data[i * d + j];
                    }
                }
                DMatrixRMaj F = blocks[e][layout.pairOf[kk][l]];
                TiledOps.multOuter(scaledT[e], F);
                if (kk != l) {
                    CommonOps_DDRM.scale(-1.0, F);
                }
            }
        }
    }

    /** √|scale·A_i[k,l]| for the row of probabilities at {@code po}: √(s·p_k(1−p_k)) on the diagonal, √(s·p_k p_l) off it. */
    private static double rootWeight(double[] p, int po, int k, int l, double scale) {
        double pk = p[po + k];
        return Math.sqrt(scale * (k == l ? pk * (1 - pk) : pk * p[po + l]));
    }

    /** {@link #formBlocks} in float32: S = √|weight|-scaled rows, F = SᵀS by {@link FloatProducts#gram}. */
    private void formBlocksFloat(DMatrixRMaj X, DMatrixRMaj P, int[] rows, int e, double scale, Layout layout) {
        int c = layout.c;
        int d = layout.d;
        int ld = FloatProducts.paddedWidth(d);
        int ne = rows.length;
        float[] x = floatRows[e] = atLeast(floatRows[e], ne * d);
        for (int r = 0; r < ne; r++) {
            int xo = rows[r] * d;
            for (int j = 0; j < d; j++) {
                x[r * d + j] = (float) X.data[xo + j];
            }
        }
        float[] st = floatScaled[e] = atLeast(floatScaled[e], ne * ld);
        for (int kk = 0; kk < layout.free; kk++) {
            for (int l = kk; l < layout.free; l++) {
                for (int r = 0; r < ne; r++) {
                    double root = rootWeight(P.data, rows[r] * c, kk, l, scale);
                    for (int j = 0; j < d; j++) {
                        st[r * ld + j] = (float) (root * x[r * d + j]);      // the rounded row, read contiguously
                    }
                    Arrays.fill(st, r * ld + d, (r + 1) * ld, 0f);
                }
                DMatrixRMaj F = blocks[e][layout.pairOf[kk][l]];
                FloatProducts.gram(st, ne, d, F.data);
                if (kk != l) {
                    CommonOps_DDRM.scale(-1.0, F);
                }
            }
        }
    }

    /**
     * Domain e's term ‖c_h H_e − c_h H̄‖² (returned) and, when {@code weight} ≠ 0, its backward pass into the rows of
     * domain e of ∂/∂P and ∂/∂X̃ (disjoint from other domains' rows, so domains may run concurrently).
     */
    private double deviationAndBackward(HeadPass pass, int e, double ch, double weight, Layout layout, DMatrixRMaj[] mean) {
        int numDomains = pass.index().numDomains();
        DMatrixRMaj[] delta = blocks[e];
        double domainSum = layout.free == 1 ? binaryDeviation(delta[0], mean[0], layout.d)
                : deviation(delta, mean, layout, weight != 0.0);
        if (weight == 0.0) {
            return domainSum;
        }
        // binary: Φ = (8/E)Δ; otherwise Φ^{kl} = (2/E)(Δ^{kl} − ρ_k − ρ_l + τ), stored unscaled in place of Δ^{kl}
        double phiScale = (layout.free == 1 ? 8.0 : 2.0) / numDomains;
        double[][] forms = projectRows(pass, e, layout, phiScale);
        backwardRows(pass, e, weight * ch / pass.index().size(e), layout, forms);
        return domainSum;
    }

    /** Binary case: ρ = −Δ and τ = Δ, so the norm is 4‖Δ‖² (Δ = F_e − F̄ left in place of F_e). */
    private static double binaryDeviation(DMatrixRMaj delta, DMatrixRMaj mean, int d) {
        double[] phi = delta.data;
        axpy(-1.0, mean.data, 0, phi, 0, d * d);
        return 4.0 * dot(phi, 0, phi, 0, d * d);
    }

    /**
     * C &gt; 2: Δ^{kl} = F_e^{kl} − F̄^{kl} for the free blocks, ρ_k = −Σ_l Δ^{kl}, τ = −Σ_k ρ_k, and the norm
     * Σ‖Δ^{kl}‖² + 2Σ‖ρ_k‖² + ‖τ‖² (docs/math.md §4.2). With {@code formPhi}, Δ^{kl} is then replaced by
     * Δ^{kl} − ρ_k − ρ_l + τ, Φ^{kl} up to its factor 2/E.
     */
    private static double deviation(DMatrixRMaj[] delta, DMatrixRMaj[] mean, Layout layout, boolean formPhi) {
        int d = layout.d;
        int free = layout.free;
        int[][] pairOf = layout.pairOf;
        double[] rho = new double[free * d * d];
        double[] tau = new double[d * d];
        double domainSum = 0;
        for (int kk = 0; kk < free; kk++) {
            for (int l = kk; l < free; l++) {
                int pair = pairOf[kk][l];
                axpy(-1.0, mean[pair].data, 0, delta[pair].data, 0, d * d);   // Δ^{kl} = F_e − F̄
                double sq = dot(delta[pair].data, 0, delta[pair].data, 0, d * d);
                domainSum += (kk == l ? 1.0 : 2.0) * sq;
                axpy(-1.0, delta[pair].data, 0, rho, kk * d * d, d * d);
                if (kk != l) {
                    axpy(-1.0, delta[pair].data, 0, rho, l * d * d, d * d);
                }
            }
        }
        for (int kk = 0; kk < free; kk++) {
            domainSum += 2.0 * dot(rho, kk * d * d, rho, kk * d * d, d * d);
            axpy(-1.0, rho, kk * d * d, tau, 0, d * d);                        // τ = −Σ_k ρ_k
        }
        domainSum += dot(tau, 0, tau, 0, d * d);
        if (formPhi) {
            for (int kk = 0; kk < free; kk++) {
                for (int l = kk; l < free; l++) {
                    double[] phi = delta[pairOf[kk][l]].data;
                    axpy(-1.0, rho, kk * d * d, phi, 0, d * d);
                    axpy(-1.0, rho, l * d * d, phi, 0, d * d);
                    axpy(1.0, tau, 0, phi, 0, d * d);
                }
            }
        }
        return domainSum;
    }

    /**
     * Scales Φ by {@code phiScale} and projects the domain's rows on it, one path per case: in float32 Y = X_e Φ
     * into {@link #floatProjections}; in float64 with feature gradients Y = X_e Φ into {@link #projections}; in
     * float64 without them only the quadratic forms x̃ᵢᵀΦx̃ᵢ, returned (null otherwise).
     */
    private double[][] projectRows(HeadPass pass, int e, Layout layout, double phiScale) {
        int ne = pass.index().size(e);
        boolean withFeatures = pass.gradFeaturesDirect() != null;
        double[][] forms = layout.precision == ProductPrecision.FLOAT64 && !withFeatures ? new double[layout.numPairs][] : null;
        if (projections[e] == null || projections[e].length < layout.numPairs) {
            projections[e] = new DMatrixRMaj[layout.numPairs];
        }
        if (layout.precision == ProductPrecision.FLOAT32
                && (floatProjections[e] == null || floatProjections[e].length < layout.numPairs)) {
            floatProjections[e] = new float[layout.numPairs][];
        }
        for (int pair = 0; pair < layout.numPairs; pair++) {
            DMatrixRMaj phi = blocks[e][pair];
            if (layout.precision == ProductPrecision.FLOAT32) {
                projectFloat(e, pair, phi, ne, layout.d, phiScale);
            } else if (forms != null) {
                // Φ's upper triangle, off-diagonal doubled, in place (Φ is not needed afterwards), then the quadratic
                // forms at half the cost of X_e Φ
                upperTriangleDoubled(phi.data, layout.d, phiScale);
                forms[pair] = new double[ne];
                TiledOps.quadraticFormsUpper(domainRows[e], phi, forms[pair]);
            } else {
                // Y^{kl} = X_e Φ^{kl} (Φ symmetric); row r of Y^{kl} is (Φ^{kl} x̃_i)ᵀ
                CommonOps_DDRM.scale(phiScale, phi);
                projections[e][pair] = RowOps.reshaped(projections[e][pair], ne, layout.d);
                TiledOps.multTransB(1.0, domainRows[e], phi, 0.0, projections[e][pair]);
            }
        }
        return forms;
    }

    /** Y^{kl} = X_e (phiScale·Φ^{kl}) in float32, rows padded to {@link FloatProducts#paddedWidth}. */
    private void projectFloat(int e, int pair, DMatrixRMaj phiBlock, int ne, int d, double phiScale) {
        int ld = FloatProducts.paddedWidth(d);
        float[] phi = floatPhi[e] = atLeast(floatPhi[e], d * ld);
        double[] src = phiBlock.data;
        for (int j = 0; j < d; j++) {
            for (int t = 0; t < d; t++) {
                phi[j * ld + t] = (float) (phiScale * src[j * d + t]);
            }
            Arrays.fill(phi, j * ld + d, (j + 1) * ld, 0f);
        }
        float[][] projF = floatProjections[e];
        projF[pair] = atLeast(projF[pair], ne * ld);
        FloatProducts.multPadded(floatRows[e], ne, d, phi, projF[pair]);
    }

    /**
     * The per-row backward of docs/math.md §4.2: Γ_i[k,l] = scale·x̃ᵢᵀΦ^{kl}x̃ᵢ, ∂P/∂p_m = Γ[m,m] − 2(Γp)_m for the
     * free classes, and ∂P/∂x̃ᵢ (direct) = 2·scale·Σ_{k,l} A_i[k,l] Φ^{kl}x̃ᵢ. {@code forms} holds the quadratic
     * forms when {@link #projectRows} computed only those.
     */
    private void backwardRows(HeadPass pass, int e, double scale, Layout layout, double[][] forms) {
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        int c = layout.c;
        int d = layout.d;
        int free = layout.free;
        int ld = FloatProducts.paddedWidth(d);
        boolean inFloat = layout.precision == ProductPrecision.FLOAT32;
        int[] rows = pass.index().rows(e);
        double[] gamma = new double[free * free];
        for (int r = 0; r < rows.length; r++) {
            int i = rows[r];
            int xo = i * d;
            for (int kk = 0; kk < free; kk++) {
                for (int l = kk; l < free; l++) {
                    int pair = layout.pairOf[kk][l];
                    double g = scale * (inFloat ? FloatProducts.dot(floatRows[e], r * d, floatProjections[e][pair], r * ld, d)
                            : forms != null ? forms[pair][r] : dot(X.data, xo, projections[e][pair].data, r * d, d));
                    gamma[kk * free + l] = g;
                    gamma[l * free + kk] = g;
                    if (dX != null) {
                        double pk = P.data[i * c + kk];
                        double a = (kk == l ? pk : 0.0) - pk * P.data[i * c + l];
                        double coefficient = (kk == l ? 2.0 : 4.0) * scale * a;
                        if (inFloat) {
                            axpy(coefficient, floatProjections[e][pair], r * ld, dX.data, xo, d);
                        } else {
                            axpy(coefficient, projections[e][pair].data, r * d, dX.data, xo, d);
                        }
                    }
                }
            }
            // ∂P/∂p_m = Γ[m,m] − 2 (Γ p)_m for the free classes; the last class does not appear.
            for (int m = 0; m < free; m++) {
                double gp = 0;
                for (int l = 0; l < free; l++) {
                    gp += gamma[m * free + l] * P.data[i * c + l];
                }
                dP.data[i * c + m] += gamma[m * free + m] - 2.0 * gp;
            }
        }
    }

    private void ensureBlocks(int count, int numPairs, int d) {
        if (blocks.length < count || blocks[0].length != numPairs || blocks[0][0].numRows != d) {
            blocks = new DMatrixRMaj[count][numPairs];
            for (DMatrixRMaj[] row : blocks) {
                for (int pair = 0; pair < numPairs; pair++) {
                    row[pair] = new DMatrixRMaj(d, d);
                }
            }
        }
    }

    /**
     * Φ ← U with U[j][k] = 2sΦ[j][k] (k &gt; j), sΦ[j][j] (k = j), 0 (k &lt; j): x̃ᵀUx̃ = s·x̃ᵀΦx̃ for symmetric Φ.
     */
    private static void upperTriangleDoubled(double[] phi, int d, double s) {
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) {
                phi[j * d + k] = 0.0;
            }
            phi[j * d + j] *= s;
            for (int k = j + 1; k < d; k++) {
                phi[j * d + k] *= 2.0 * s;
            }
        }
    }

    /** {@code a} if it holds at least {@code length} entries, else a new zeroed array. */
    private static float[] atLeast(float[] a, int length) {
        return a != null && a.length >= length ? a : new float[length];
    }

    /** The given rows of X̃ as a contiguous matrix (reusing {@code out}). */
    private static DMatrixRMaj gatherRows(DMatrixRMaj X, int[] rows, DMatrixRMaj out) {
        int d = X.numCols;
        out = RowOps.reshaped(out, rows.length, d);
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(X.data, rows[r] * d, out.data, r * d, d);
        }
        return out;
    }

    /**
     * @param numDomains E.
     * @param numClasses C.
     * @param numFeatures D.
     * @return the number of bytes of workspace the blocked form holds for these sizes.
     */
    public static long workspaceBytes(int numDomains, int numClasses, int numFeatures) {
        long free = numClasses - 1L;
        return 8L * (numDomains + 1L) * (free * (free + 1) / 2) * numFeatures * (long) numFeatures;
    }
}
