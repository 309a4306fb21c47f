package io.github.cma4j.spark;

import io.github.cma4j.core.cma.Normalization;

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
    private final double[][] phi;             // CMA: Γ_i[k,l] = x̃_iᵀ phi[e][kl] x̃_i

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
        phi = b.phi;
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
        double[][] phi;
    }

    static Coefficients of(DomainStats s, DistributedObjective.Form form, double[] weights, boolean cmaActive,
                           boolean domainMean, Normalization normalization) {
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
            int pairs = s.shape.pairs();
            b.phi = new double[numIds][];
            double penalty = deviation(s.blocks, s.count, ch, numDomains, pairs * dd, b.phi, beta * ch);
            // the off-diagonal blocks (k < l) stand for two ordered blocks each: count their norm twice
            double offDiagonal = 0;
            double[] mean = new double[pairs * dd];
            for (int e = 0; e < numIds; e++) {
                if (s.count[e] > 0) {
                    for (int t = 0; t < mean.length; t++) {
                        mean[t] += ch * s.blocks[e][t] / s.count[e] / numDomains;
                    }
                }
            }
            for (int e = 0; e < numIds; e++) {
                if (s.count[e] > 0) {
                    for (int k = 0, pair = 0; k < b.c; k++) {
                        for (int l = k; l < b.c; l++, pair++) {
                            if (k != l) {
                                for (int t = pair * dd; t < (pair + 1) * dd; t++) {
                                    double diff = ch * s.blocks[e][t] / s.count[e] - mean[t];
                                    offDiagonal += diff * diff / numDomains;
                                }
                            }
                        }
                    }
                }
            }
            b.value += beta * (penalty + offDiagonal);
        }
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

    boolean needsRowPass() {
        return linear == null;
    }

    /** ERM and VREx: ∂L/∂W = Σ_e ce[e]·Σ_{i∈e} r_i x̃_iᵀ. */
    void addLinearGradient(double[] grad) {
        for (int e = 0; e < ce.length; e++) {
            for (int t = 0; t < grad.length; t++) {
                grad[t] += ce[e] * linear[e][t];
            }
        }
    }

    /** Adds one row's (∂L/∂z_i) x̃_iᵀ. */
    double[] addRowGradient(DomainRow row, double[] w, double[] grad) {
        RowPass r = RowPass.of(row, w, c, d, ce.length);
        int e = row.domain();
        double[] x = row.features();
        double[] p = r.probability();
        double[] dz = new double[c];
        double[] dp = new double[c];
        for (int k = 0; k < c; k++) {
            dz[k] = ce[e] * r.residual()[k];
        }
        if (irm != null) {
            for (int k = 0; k < c; k++) {
                dz[k] += irm[e] * r.residual()[k];
                dp[k] += irm[e] * r.logits()[k];         // A z through the softmax Jacobian below
            }
        }
        if (fishrDelta != null) {
            for (int k = 0; k < c; k++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    int t = k * d + j;
                    s += fishrDelta[e][t] * fishrScale[e] * (r.residual()[k] * x[j] - fishrMean[e][t]) * x[j];
                }
                dp[k] += s;
            }
        }
        if (gradU != null && gradU[e] != null) {
            for (int k = 0; k < c; k++) {
                for (int j = 0; j < d; j++) {
                    dp[k] += gradU[e][k * d + j] * x[j];
                }
            }
        }
        if (diagU != null && diagU[e] != null) {
            for (int k = 0; k < c; k++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += diagU[e][k * d + j] * x[j] * x[j];
                }
                dp[k] += (1 - 2 * p[k]) * s;
            }
        }
        if (phi != null && phi[e] != null) {
            double[][] gamma = new double[c][c];
            int dd = d * d;
            for (int k = 0, pair = 0; k < c; k++) {
                for (int l = k; l < c; l++, pair++) {
                    double q = 0;
                    for (int i = 0; i < d; i++) {
                        double s = 0;
                        for (int j = 0; j < d; j++) {
                            s += phi[e][pair * dd + i * d + j] * x[j];
                        }
                        q += x[i] * s;
                    }
                    gamma[k][l] = q;
                    gamma[l][k] = q;
                }
            }
            for (int m = 0; m < c; m++) {
                double gp = 0;
                for (int l = 0; l < c; l++) {
                    gp += gamma[m][l] * p[l];
                }
                dp[m] += gamma[m][m] - 2 * gp;
            }
        }
        // softmax Jacobian: ∂L/∂z += p∘dp − p (p·dp)
        double pdp = 0;
        for (int k = 0; k < c; k++) {
            pdp += p[k] * dp[k];
        }
        for (int k = 0; k < c; k++) {
            dz[k] += p[k] * (dp[k] - pdp);
            for (int j = 0; j < d; j++) {
                grad[k * d + j] += dz[k] * x[j];
            }
        }
        return grad;
    }
}
