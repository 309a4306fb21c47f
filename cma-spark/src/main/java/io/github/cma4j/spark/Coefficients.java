package io.github.cma4j.spark;

import io.github.cma4j.core.cma.Normalization;
import io.github.cma4j.core.linalg.RowOps;
import io.github.cma4j.core.linalg.TiledOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.io.Serializable;

/**
 * The driver's step between the two passes (docs/math.md §12): the objective's value from the per-domain sums, and
 * the per-domain coefficients each row needs to add its (∂L/∂z_i) x̃_iᵀ. Domains without rows are left out, as on
 * one machine (E counts the domains present).
 */
final class Coefficients implements Serializable {
    private final DistributedObjective.Form form;
    private final int c;
    private final int d;
    private final double value;
    /** ∂L/∂z_i gets ce[e]·r_i. */
    private final double[] ce;
    private final double[][] linear;          // ERM, VREx: gradient = Σ_e ce[e]·G_e
    private final double[] irm;               // IRM: ∂L/∂z_i += irm[e]·(r_i + A_i z_i)
    private final double[][] fishrDelta;      // Fishr: weighted deviation of the variances
    private final double[][] fishrMean;       // Fishr: ḡ_e
    private final double[] fishrScale;        // Fishr: 2/n_e
    private final double[][] gradU;           // CMA: ∂L/∂p_i += gradU[e]·x̃_i
    private final double[][] diagU;           // CMA-diag: ∂L/∂p_ik += (1 − 2p_ik) Σ_j diagU[e][k,j] x̃_ij²
    private final double[][] psi;             // CMA: Γ_i[a,b] = x̃_iᵀ Ψ[e][ab] x̃_i, free pairs, upper triangle doubled

    private Coefficients(Builder b) {
        form = b.form;
        c = b.c;
        d = b.d;
        value = b.value;
        ce = b.ce;
        linear = b.linear;
        irm = b.irm;
        fishrDelta = b.fishrDelta;
        fishrMean = b.fishrMean;
        fishrScale = b.fishrScale;
        gradU = b.gradU;
        diagU = b.diagU;
        psi = b.psi;
    }

    private static final class Builder {
        DistributedObjective.Form form;
        int c;
        int d;
        double value;
        double[] ce;
        double[][] linear;
        double[] irm;
        double[][] fishrDelta;
        double[][] fishrMean;
        double[] fishrScale;
        double[][] gradU;
        double[][] diagU;
        double[][] psi;
    }

    static Coefficients of(DomainStats s, DistributedObjective.Form form, double[] weights, boolean cmaActive,
                           boolean domainMean, Normalization normalization, double[] groupWeights) {
        Builder b = new Builder();
        b.form = form;
        b.c = s.shape.c();
        b.d = s.shape.d();
        int cd = b.c * b.d;
        int numIds = s.shape.e();
        long n = 0;
        int present = 0;
        double ceSum = 0;
        for (int e = 0; e < numIds; e++) {
            n += s.count[e];
            present += s.count[e] > 0 ? 1 : 0;
            ceSum += s.loss[e];
        }
        if (n == 0) {
            throw new IllegalArgumentException("the data has no rows");
        }
        int numDomains = present;
        b.ce = new double[numIds];
        double ceValue = 0;
        for (int e = 0; e < numIds; e++) {
            if (s.count[e] > 0) {
                b.ce[e] = domainMean ? 1.0 / (numDomains * (double) s.count[e]) : 1.0 / n;
                ceValue += domainMean ? s.loss[e] / s.count[e] / numDomains : 0;
            }
        }
        if (!domainMean) {
            ceValue = ceSum / n;
        }
        b.value = ceValue;
        switch (form) {
            case ERM -> b.linear = s.gradient;
            case GROUP_DRO -> {
                b.value = 0;
                for (int e = 0; e < numIds; e++) {
                    if (s.count[e] > 0) {
                        b.ce[e] = groupWeights[e] / s.count[e];
                        b.value += groupWeights[e] * s.loss[e] / s.count[e];
                    }
                }
                b.linear = s.gradient;
            }
            case VREX -> {
                double mean = 0;
                for (int e = 0; e < numIds; e++) {
                    mean += s.count[e] > 0 ? s.loss[e] / s.count[e] / numDomains : 0;
                }
                double variance = 0;
                for (int e = 0; e < numIds; e++) {
                    if (s.count[e] > 0) {
                        double le = s.loss[e] / s.count[e];
                        variance += (le - mean) * (le - mean) / numDomains;
                        b.ce[e] = (1.0 / numDomains + weights[0] * 2.0 / numDomains * (le - mean)) / s.count[e];
                    }
                }
                b.value = mean + weights[0] * variance;
                b.linear = s.gradient;
            }
            case IRM -> {
                b.irm = new double[numIds];
                double penalty = 0;
                for (int e = 0; e < numIds; e++) {
                    if (s.count[e] > 0) {
                        double g = s.scaleGradient[e] / s.count[e];
                        penalty += g * g / numDomains;
                        b.irm[e] = weights[0] / numDomains * 2 * g / s.count[e];
                    }
                }
                b.value += weights[0] * penalty;
            }
            case FISHR -> {
                double[][] v = new double[numIds][cd];
                double[] vMean = new double[cd];
                b.fishrMean = new double[numIds][cd];
                b.fishrScale = new double[numIds];
                for (int e = 0; e < numIds; e++) {
                    if (s.count[e] > 0) {
                        for (int t = 0; t < cd; t++) {
                            double m = s.gradient[e][t] / s.count[e];
                            b.fishrMean[e][t] = m;
                            v[e][t] = s.squares[e][t] / s.count[e] - m * m;
                            vMean[t] += v[e][t] / numDomains;
                        }
                        b.fishrScale[e] = 2.0 / s.count[e];
                    }
                }
                double penalty = 0;
                b.fishrDelta = new double[numIds][cd];
                for (int e = 0; e < numIds; e++) {
                    if (s.count[e] > 0) {
                        for (int t = 0; t < cd; t++) {
                            double diff = v[e][t] - vMean[t];
                            penalty += diff * diff / cd / numDomains;
                            b.fishrDelta[e][t] = numDomains > 1 ? weights[0] * 2.0 / ((double) numDomains * cd) * diff : 0;
                        }
                    }
                }
                b.value += weights[0] * penalty;
            }
            default -> cma(b, s, weights, cmaActive, normalization, numDomains);
        }
        return new Coefficients(b);
    }

    private static void cma(Builder b, DomainStats s, double[] weights, boolean active, Normalization normalization,
                            int numDomains) {
        if (!active || numDomains < 2) {
            return;
        }
        int numIds = s.shape.e();
        int cd = b.c * b.d;
        double alpha = weights[0];
        double beta = weights[1];
        double cg = normalization.gradientConstant(b.c, b.d);
        double ch = normalization.hessianConstant(b.c, b.d);
        b.gradU = new double[numIds][];
        b.value += alpha * deviation(s.gradient, s.count, cg, numDomains, cd, b.gradU, alpha * cg);
        if (beta == 0) {
            return;
        }
        if (s.curvature != null) {
            b.diagU = new double[numIds][];
            b.value += beta * deviation(s.curvature, s.count, ch, numDomains, cd, b.diagU, beta * ch);
        } else {
            int dd = b.d * b.d;
            int pairs = b.c * (b.c + 1) / 2;
            double[][] full = expand(s.blocks, s.count, b.c, dd);
            double[][] phi = new double[numIds][];
            double penalty = deviation(full, s.count, ch, numDomains, pairs * dd, phi, beta * ch);
            // the off-diagonal blocks (k < l) stand for two ordered blocks each: count their norm twice
            double offDiagonal = 0;
            double[] mean = new double[pairs * dd];
            for (int e = 0; e < numIds; e++) {
                if (s.count[e] > 0) {
                    for (int t = 0; t < mean.length; t++) {
                        mean[t] += ch * full[e][t] / s.count[e] / numDomains;
                    }
                }
            }
            for (int e = 0; e < numIds; e++) {
                if (s.count[e] > 0) {
                    for (int k = 0, pair = 0; k < b.c; k++) {
                        for (int l = k; l < b.c; l++, pair++) {
                            if (k != l) {
                                for (int t = pair * dd; t < (pair + 1) * dd; t++) {
                                    double diff = ch * full[e][t] / s.count[e] - mean[t];
                                    offDiagonal += diff * diff / numDomains;
                                }
                            }
                        }
                    }
                }
            }
            b.value += beta * (penalty + offDiagonal);
            b.psi = new double[numIds][];
            for (int e = 0; e < numIds; e++) {
                if (phi[e] != null) {
                    b.psi[e] = fold(phi[e], b.c, b.d);
                }
            }
        }
    }

    /**
     * All C(C+1)/2 blocks from the free ones (docs/math.md §4.2): every row of A_i sums to zero, so with L = C−1,
     * B^{aL} = −Σ_{b&lt;L} F^{ab} and B^{LL} = Σ_{a,b&lt;L} F^{ab}.
     */
    private static double[][] expand(double[][] free, long[] count, int c, int dd) {
        int last = c - 1;
        double[][] full = new double[free.length][];
        for (int e = 0; e < free.length; e++) {
            if (count[e] == 0) {
                continue;
            }
            full[e] = new double[c * (c + 1) / 2 * dd];
            for (int a = 0; a < last; a++) {
                for (int b = 0; b < last; b++) {
                    int from = freePair(Math.min(a, b), Math.max(a, b), last) * dd;
                    if (a <= b) {
                        System.arraycopy(free[e], from, full[e], freePair(a, b, c) * dd, dd);
                    }
                    RowOps.axpy(-1.0, free[e], from, full[e], freePair(a, last, c) * dd, dd);
                    RowOps.axpy(1.0, free[e], from, full[e], freePair(last, last, c) * dd, dd);
                }
            }
        }
        return full;
    }

    /**
     * Ψ^{ab} = G^{ab} − G^{aL} − G^{bL} + G^{LL}, the derivative with respect to the free block F^{ab} through
     * {@link #expand}, stored as an upper triangle with the off-diagonal doubled (for {@link TiledOps#quadraticFormsUpper}).
     */
    private static double[] fold(double[] g, int c, int d) {
        int last = c - 1;
        int dd = d * d;
        double[] psi = new double[last * c / 2 * dd];
        for (int a = 0; a < last; a++) {
            for (int b = a; b < last; b++) {
                int out = freePair(a, b, last) * dd;
                int ab = freePair(a, b, c) * dd;
                int aL = freePair(a, last, c) * dd;
                int bL = freePair(b, last, c) * dd;
                int lL = freePair(last, last, c) * dd;
                for (int i = 0; i < d; i++) {
                    for (int j = i; j < d; j++) {
                        int t = i * d + j;
                        double v = g[ab + t] - g[aL + t] - g[bL + t] + g[lL + t];
                        psi[out + t] = i == j ? v : 2 * v;
                    }
                }
            }
        }
        return psi;
    }

    /**
     * (1/E) Σ_e ‖M_e − M̄‖² with M_e = scale·sums_e/n_e, and out[e] = upstream·(2/E)(M_e − M̄)/n_e (the factor every
     * row of domain e multiplies its own statistic's derivative by).
     */
    private static double deviation(double[][] sums, long[] count, double scale, int numDomains, int size, double[][] out,
                                    double upstream) {
        double[] mean = new double[size];
        for (int e = 0; e < sums.length; e++) {
            if (count[e] > 0) {
                for (int t = 0; t < size; t++) {
                    mean[t] += scale * sums[e][t] / count[e] / numDomains;
                }
            }
        }
        double value = 0;
        for (int e = 0; e < sums.length; e++) {
            if (count[e] > 0) {
                out[e] = new double[size];
                for (int t = 0; t < size; t++) {
                    double diff = scale * sums[e][t] / count[e] - mean[t];
                    value += diff * diff / numDomains;
                    out[e][t] = upstream * 2.0 / numDomains * diff / count[e];
                }
            }
        }
        return value;
    }

    double value() {
        return value;
    }

    boolean needsSecondPass() {
        return linear == null;
    }

    /** ERM, VREx and GroupDRO: ∂L/∂W = Σ_e ce[e]·Σ_{i∈e} r_i x̃_iᵀ. */
    void addLinearGradient(double[] grad) {
        for (int e = 0; e < ce.length; e++) {
            for (int t = 0; t < grad.length; t++) {
                grad[t] += ce[e] * linear[e][t];
            }
        }
    }

    /** Adds the block's Σ_i (∂L/∂z_i) x̃_iᵀ. */
    double[] addBlockGradient(DomainBlock block, double[] w, double[] grad) {
        BlockPass pass = BlockPass.of(block, w, c);
        int n = pass.n;
        int e = block.domain();
        double[] p = pass.p;
        double[] dz = new double[n * c];
        double[] dp = new double[n * c];
        double[][] gamma = psi != null && psi[e] != null ? quadraticForms(pass, psi[e]) : null;
        // the O(C·D) terms of ∂L/∂p as block products (n×D times D×C), the rest row by row below
        double[] linearTerm = linearTerms(pass, e);
        double[] squareTerm = squareTerms(pass, e);
        for (int i = 0; i < n; i++) {
            int o = i * c;
            for (int k = 0; k < c; k++) {
                dz[o + k] = (ce[e] + (irm != null ? irm[e] : 0)) * pass.r[o + k];
                if (irm != null) {
                    dp[o + k] += irm[e] * pass.z[o + k];          // A z through the softmax Jacobian below
                }
                if (linearTerm != null) {
                    dp[o + k] += linearTerm[o + k];
                }
                if (squareTerm != null) {
                    // Fishr: (2/n_e) r_ik Σ_j δ[k,j] x̃_ij²; CMA-diag: (1 − 2p_ik) Σ_j U[k,j] x̃_ij²
                    dp[o + k] += (fishrDelta != null ? fishrScale[e] * pass.r[o + k] : 1 - 2 * p[o + k]) * squareTerm[o + k];
                }
            }
            if (gamma != null) {
                // ∂P/∂p_m = Γ[m,m] − 2 Σ_b Γ[m,b] p_b over the free classes m, b < C−1; the last class has none
                int free = c - 1;
                for (int m = 0; m < free; m++) {
                    double gp = 0;
                    for (int b = 0; b < free; b++) {
                        gp += gamma[freePair(Math.min(m, b), Math.max(m, b), free)][i] * p[o + b];
                    }
                    dp[o + m] += gamma[freePair(m, m, free)][i] - 2 * gp;
                }
            }
            // softmax Jacobian: ∂L/∂z += p∘dp − p (p·dp)
            double pdp = 0;
            for (int k = 0; k < c; k++) {
                pdp += p[o + k] * dp[o + k];
            }
            for (int k = 0; k < c; k++) {
                dz[o + k] += p[o + k] * (dp[o + k] - pdp);
            }
        }
        CommonOps_DDRM.multAddTransA(DMatrixRMaj.wrap(n, c, dz), pass.x, DMatrixRMaj.wrap(c, d, grad));
        return grad;
    }

    /**
     * X̃ Uᵀ (n×C) for the terms of ∂L/∂p linear in x̃: CMA's gradient factor, and Fishr's −(2/n_e) Σ_j δ[k,j] ḡ_e[k,j] x̃_ij;
     * null if there are none.
     */
    private double[] linearTerms(BlockPass pass, int e) {
        double[] u = null;
        if (gradU != null && gradU[e] != null) {
            u = gradU[e];
        } else if (fishrDelta != null) {
            u = new double[c * d];
            for (int t = 0; t < u.length; t++) {
                u[t] = -fishrScale[e] * fishrDelta[e][t] * fishrMean[e][t];
            }
        }
        if (u == null) {
            return null;
        }
        DMatrixRMaj out = new DMatrixRMaj(pass.n, c);
        TiledOps.multTransB(1.0, pass.x, DMatrixRMaj.wrap(c, d, u), 0.0, out);
        return out.data;
    }

    /** X̃² Vᵀ (n×C) with V = Fishr's δ_e or CMA-diag's factor, for the terms in x̃²; null if there are none. */
    private double[] squareTerms(BlockPass pass, int e) {
        double[] v = fishrDelta != null ? fishrDelta[e] : diagU != null ? diagU[e] : null;
        if (v == null) {
            return null;
        }
        DMatrixRMaj x2 = new DMatrixRMaj(pass.n, d);
        CommonOps_DDRM.elementMult(pass.x, pass.x, x2);
        DMatrixRMaj out = new DMatrixRMaj(pass.n, c);
        TiledOps.multTransB(1.0, x2, DMatrixRMaj.wrap(c, d, v), 0.0, out);
        return out.data;
    }

    /** Γ_i[a,b] = x̃_iᵀ Ψ^{ab} x̃_i for every free pair, as [pair][row]. */
    private double[][] quadraticForms(BlockPass pass, double[] upper) {
        int dd = d * d;
        int pairs = (c - 1) * c / 2;
        double[][] gamma = new double[pairs][pass.n];
        DMatrixRMaj u = new DMatrixRMaj(d, d);
        for (int pair = 0; pair < pairs; pair++) {
            System.arraycopy(upper, pair * dd, u.data, 0, dd);
            TiledOps.quadraticFormsUpper(pass.x, u, gamma[pair]);
        }
        return gamma;
    }

    /** The index of the pair (k, l), k ≤ l, among the pairs of {@code classes} classes enumerated k-major. */
    static int freePair(int k, int l, int classes) {
        return k * classes - k * (k - 1) / 2 + (l - k);
    }
}
