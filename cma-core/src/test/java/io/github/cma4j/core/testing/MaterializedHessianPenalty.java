package io.github.cma4j.core.testing;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.objective.HeadPass;
import org.ejml.data.DMatrixRMaj;

/**
 * The naive reference: the full-Hessian penalty from materialised (C·D)×(C·D) Hessians, as the authors' PyTorch
 * code computes it, with its backward written entry by entry from H_e = (c/n_e) Σ_i A_i ⊗ x̃_i x̃_iᵀ. It shares no
 * code with the Gram or blocked forms; O(n C² D²) time and O(E C² D²) memory, so tests only.
 */
public final class MaterializedHessianPenalty {
    private MaterializedHessianPenalty() {
    }

    /** Adds weight·∂P_hess into the pass and returns P_hess. */
    public static double addTo(HeadPass pass, double ch, double weight) {
        DomainIndex index = pass.index();
        int numDomains = index.numDomains();
        DMatrixRMaj X = pass.features();
        DMatrixRMaj P = pass.probabilities();
        int c = P.numCols;
        int d = X.numCols;
        int cd = c * d;
        DMatrixRMaj[] h = new DMatrixRMaj[numDomains];
        DMatrixRMaj mean = new DMatrixRMaj(cd, cd);
        for (int e = 0; e < numDomains; e++) {
            h[e] = HeadDerivatives.hessian(X, P, index.rows(e), null);
            for (int idx = 0; idx < cd * cd; idx++) {
                h[e].data[idx] *= ch;
                mean.data[idx] += h[e].data[idx] / numDomains;
            }
        }
        double value = 0;
        for (int e = 0; e < numDomains; e++) {
            for (int idx = 0; idx < cd * cd; idx++) {
                double diff = h[e].data[idx] - mean.data[idx];
                value += diff * diff;
                h[e].data[idx] = weight * 2.0 / numDomains * diff;   // now Δ_e = weight · ∂P/∂(c H_e)
            }
        }
        value /= numDomains;
        DMatrixRMaj dP = pass.gradProbabilities();
        DMatrixRMaj dX = pass.gradFeaturesDirect();
        for (int e = 0; e < numDomains; e++) {
            DMatrixRMaj delta = h[e];
            double s = ch / index.size(e);
            for (int i : index.rows(e)) {
                // Γ[k,l] = s Σ_{j,j'} Δ[(k,j),(l,j')] x_j x_j'
                double[][] gamma = new double[c][c];
                for (int k = 0; k < c; k++) {
                    for (int l = 0; l < c; l++) {
                        double g = 0;
                        for (int j = 0; j < d; j++) {
                            for (int jj = 0; jj < d; jj++) {
                                g += delta.get(k * d + j, l * d + jj) * X.get(i, j) * X.get(i, jj);
                            }
                        }
                        gamma[k][l] = s * g;
                    }
                }
                // A[k,l] = δ_kl p_k − p_k p_l, so ∂/∂p_m Σ Γ[k,l] A[k,l] = Γ[m,m] − Σ_l (Γ[m,l] + Γ[l,m]) p_l
                for (int m = 0; m < c; m++) {
                    double g = gamma[m][m];
                    for (int l = 0; l < c; l++) {
                        g -= (gamma[m][l] + gamma[l][m]) * P.get(i, l);
                    }
                    dP.add(i, m, g);
                }
                if (dX != null) {
                    for (int j = 0; j < d; j++) {
                        double g = 0;
                        for (int k = 0; k < c; k++) {
                            for (int l = 0; l < c; l++) {
                                double a = (k == l ? P.get(i, k) : 0.0) - P.get(i, k) * P.get(i, l);
                                for (int jj = 0; jj < d; jj++) {
                                    g += a * (delta.get(k * d + j, l * d + jj) + delta.get(l * d + jj, k * d + j)) * X.get(i, jj);
                                }
                            }
                        }
                        dX.add(i, j, s * g);
                    }
                }
            }
        }
        return value;
    }
}
