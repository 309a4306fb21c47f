package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.linalg.RowOps;
import io.github.cma4j.core.linalg.TiledOps;
import io.github.cma4j.core.objective.HeadPass;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.data.DMatrixRMaj;

import java.util.Arrays;

import static io.github.cma4j.core.linalg.RowOps.axpy;
import static io.github.cma4j.core.linalg.RowOps.dot;

/**
 * CMA's full-Hessian penalty in the <b>blocked form</b>: per domain the D×D blocks of c_h H_e, each a weighted
 * Gram matrix of the domain's features (cma-math.md §2, {@code docs/math.md} §4.2). Exactly the same value and
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
 * decide. An instance holds workspaces: use one per thread.
 */
public final class BlockedHessianPenalty {
    private DMatrixRMaj[][] blocks = new DMatrixRMaj[0][0];
    private DMatrixRMaj[] domainRows = new DMatrixRMaj[0];
    private DMatrixRMaj[] projections = new DMatrixRMaj[0];
    private DMatrixRMaj scaledT;

    /**
     * Computes P_hess and adds {@code weight}·∂P_hess into the pass's accumulators.
     *
     * @param pass   the forward pass. Its accumulators are modified.
     * @param ch     the normalisation constant c_h.
     * @param weight the penalty's weight β in the objective.
     * @return the unweighted P_hess.
     */
    public double addTo(HeadPass pass, double ch, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        if (numDomains < 2) {
            return 0.0;
        }
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        int c = P.numCols;
        int d = X.numCols;
        int free = c - 1;
        int numPairs = free * (free + 1) / 2;
        int[][] pairOf = new int[free][free];
        for (int kk = 0, pair = 0; kk < free; kk++) {
            for (int l = kk; l < free; l++, pair++) {
                pairOf[kk][l] = pair;
                pairOf[l][kk] = pair;
            }
        }
        ensureBlocks(numDomains + 1, numPairs, d);
        if (domainRows.length < numDomains) {
            domainRows = Arrays.copyOf(domainRows, numDomains);
        }
        DMatrixRMaj[] mean = blocks[numDomains];

        // F_e^{kl} = (c_h/n_e) Σ_i A_i[k,l] x̃_i x̃_iᵀ. Every weight has a fixed sign (A_i[k,k] = p_k(1−p_k) ≥ 0,
        // A_i[k,l] = −p_k p_l ≤ 0), so each block is ±S Sᵀ with S = the domain's X̃ᵀ scaled column-wise by √|weight|:
        // one symmetric tiled product per block.
        for (int pair = 0; pair < numPairs; pair++) {
            mean[pair].zero();
        }
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            int ne = rows.length;
            double scale = ch / ne;
            domainRows[e] = gatherRows(X, rows, domainRows[e]);
            scaledT = RowOps.reshaped(scaledT, d, ne);
            for (int kk = 0; kk < free; kk++) {
                for (int l = kk; l < free; l++) {
                    for (int r = 0; r < ne; r++) {
                        int i = rows[r];
                        double pk = P.data[i * c + kk];
                        double root = Math.sqrt(scale * (kk == l ? pk * (1 - pk) : pk * P.data[i * c + l]));
                        for (int j = 0; j < d; j++) {
                            scaledT.data[j * ne + r] = root * X.data[i * d + j];
                        }
                    }
                    DMatrixRMaj F = blocks[e][pairOf[kk][l]];
                    TiledOps.multOuter(scaledT, F);
                    if (kk != l) {
                        CommonOps_DDRM.scale(-1.0, F);
                    }
                    axpy(1.0 / numDomains, F.data, 0, mean[pairOf[kk][l]].data, 0, d * d);
                }
            }
        }

        double total = 0;
        double[] rho = new double[free * d * d];
        double[] tau = new double[d * d];
        double[] gamma = new double[free * free];
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        for (int e = 0; e < numDomains; e++) {
            DMatrixRMaj[] delta = blocks[e];
            Arrays.fill(rho, 0.0);
            Arrays.fill(tau, 0.0);
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
            total += domainSum;
            if (weight == 0.0) {
                continue;
            }

            // Φ^{kl} = (2/E)(Δ^{kl} − ρ_k − ρ_l + τ), stored in place of Δ^{kl}
            for (int kk = 0; kk < free; kk++) {
                for (int l = kk; l < free; l++) {
                    double[] phi = delta[pairOf[kk][l]].data;
                    axpy(-1.0, rho, kk * d * d, phi, 0, d * d);
                    axpy(-1.0, rho, l * d * d, phi, 0, d * d);
                    axpy(1.0, tau, 0, phi, 0, d * d);
                    for (int idx = 0; idx < d * d; idx++) {
                        phi[idx] *= 2.0 / numDomains;
                    }
                }
            }
            int[] rows = index.rows(e);
            int ne = rows.length;
            double scale = weight * ch / ne;
            // Y^{kl} = X_e Φ^{kl} (Φ symmetric), one tiled product per block; row r of Y^{kl} is (Φ^{kl} x̃_i)ᵀ
            if (projections.length < numPairs) {
                projections = new DMatrixRMaj[numPairs];
            }
            for (int pair = 0; pair < numPairs; pair++) {
                projections[pair] = RowOps.reshaped(projections[pair], ne, d);
                if (dX == null) {
                    // only x̃ᵢᵀΦx̃ᵢ is needed (no feature gradient): use Φ's upper triangle, off-diagonal doubled,
                    // in place (Φ is not needed afterwards), at half the cost of X_e Φ
                    upperTriangleDoubled(delta[pair].data, d);
                    TiledOps.multTransBUpper(domainRows[e], delta[pair], projections[pair]);
                } else {
                    TiledOps.multTransB(1.0, domainRows[e], delta[pair], 0.0, projections[pair]);
                }
            }
            for (int r = 0; r < ne; r++) {
                int i = rows[r];
                int xo = i * d;
                for (int kk = 0; kk < free; kk++) {
                    for (int l = kk; l < free; l++) {
                        double[] y = projections[pairOf[kk][l]].data;
                        double g = scale * dot(X.data, xo, y, r * d, d);
                        gamma[kk * free + l] = g;
                        gamma[l * free + kk] = g;
                        if (dX != null) {
                            double pk = P.data[i * c + kk];
                            double a = (kk == l ? pk : 0.0) - pk * P.data[i * c + l];
                            axpy((kk == l ? 2.0 : 4.0) * scale * a, y, r * d, dX.data, xo, d);
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
        return total / numDomains;
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

    /** Φ ← U with U[j][k] = 2Φ[j][k] (k &gt; j), Φ[j][j] (k = j), 0 (k &lt; j): x̃ᵀUx̃ = x̃ᵀΦx̃ for symmetric Φ. */
    private static void upperTriangleDoubled(double[] phi, int d) {
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) {
                phi[j * d + k] = 0.0;
            }
            for (int k = j + 1; k < d; k++) {
                phi[j * d + k] *= 2.0;
            }
        }
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
