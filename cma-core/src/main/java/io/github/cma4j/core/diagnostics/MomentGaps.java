package io.github.cma4j.core.diagnostics;

import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.head.HeadDerivatives;
import io.github.cma4j.core.head.SoftmaxOps;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How far apart a trained head's domains are in the moments CMA aligns (docs/math.md §11): per domain e, at the
 * head W, the loss gradient g_e = ∇_W L_e and Hessian H_e, their gaps to the mean over the reference domains
 * (ḡ, H̄: the training domains), pairwise distances between all domains, and the curvature of each H_e.
 * <ul>
 *     <li>‖g_e − ḡ‖_F and ‖g_e − g_f‖_F from the closed-form gradients (docs/math.md §2);</li>
 *     <li>‖H_e − H̄‖_F and ‖H_e − H_f‖_F exactly, from the Gram identity ⟨H_e, H_f⟩ = (1/(n_e n_f))
 *     Σ_{i∈e, j∈f} tr(A_i A_j)(x̃_i·x̃_j)² (docs/math.md §4.1) — n² work, never a (C·D)² matrix;</li>
 *     <li>‖H_e − H̄‖₂ by Lanczos iteration on exact Hessian-vector products (H_e − H̄)[V] (§2), O(n·C·D) per step;</li>
 *     <li>λ_max(H_e) and λ_min(H_e) on the identifiable directions: H_e is singular along V = 1 uᵀ (adding the
 *     same row to every class leaves the softmax unchanged), so the iterations run on class-mean-free V.</li>
 * </ul>
 */
public final class MomentGaps {
    /** Lanczos steps at most per eigenvalue problem. */
    static final int LANCZOS_STEPS = 200;

    private MomentGaps() {
    }

    /**
     * One domain's numbers.
     *
     * @param loss            mean cross-entropy L_e.
     * @param accuracy        fraction of its rows the head classifies right.
     * @param size            n_e.
     * @param gradientGap     ‖g_e − ḡ‖_F.
     * @param hessianGap      ‖H_e − H̄‖_F.
     * @param hessianGapNorm2 ‖H_e − H̄‖₂ (spectral).
     * @param maxEigenvalue   λ_max(H_e).
     * @param minEigenvalue   the smallest eigenvalue of H_e on class-mean-free directions.
     */
    public record Domain(double loss, double accuracy, int size, double gradientGap, double hessianGap,
                         double hessianGapNorm2, double maxEigenvalue, double minEigenvalue) {
    }

    /**
     * All domains' numbers.
     *
     * @param domains           by slot (the batch's domain ids in ascending order).
     * @param gradientDistances ‖g_e − g_f‖_F, E×E.
     * @param hessianDistances  ‖H_e − H_f‖_F, E×E.
     */
    public record Result(List<Domain> domains, double[][] gradientDistances, double[][] hessianDistances) {
    }

    /**
     * @param batch     every domain's rows (bias column included if the head has one).
     * @param W         the head, C×D.
     * @param reference the slots whose mean is ḡ, H̄ (typically the training domains); every slot if null.
     * @param seed      seed of the power iterations' start vectors.
     * @return the diagnostics.
     * @throws IllegalArgumentException if W does not fit the batch or {@code reference} is empty or out of range.
     */
    public static Result of(HeadBatch batch, DMatrixRMaj W, int[] reference, long seed) {
        batch.checkHead(W);
        DomainIndex index = batch.index();
        int numDomains = index.numDomains();
        int[] ref = reference != null ? reference.clone() : java.util.stream.IntStream.range(0, numDomains).toArray();
        if (ref.length == 0) {
            throw new IllegalArgumentException("the reference domains are empty");
        }
        for (int r : ref) {
            if (r < 0 || r >= numDomains) {
                throw new IllegalArgumentException("reference slot " + r + " is outside [0, " + numDomains + ")");
            }
        }
        DMatrixRMaj X = batch.features();
        DMatrixRMaj Z = SoftmaxOps.logits(X, W, null);
        DMatrixRMaj P = SoftmaxOps.softmax(Z, null);
        double[] losses = SoftmaxOps.crossEntropyPerExample(Z, batch.labels(), null);
        DMatrixRMaj[] g = new DMatrixRMaj[numDomains];
        for (int e = 0; e < numDomains; e++) {
            g[e] = HeadDerivatives.headGradient(X, P, batch.labels(), index.rows(e), null);
        }
        double[][] inner = hessianInnerProducts(X, P, index);
        double[][] gradientDistances = new double[numDomains][numDomains];
        double[][] hessianDistances = new double[numDomains][numDomains];
        for (int e = 0; e < numDomains; e++) {
            for (int f = 0; f < numDomains; f++) {
                gradientDistances[e][f] = distance(g[e], g[f]);
                hessianDistances[e][f] = Math.sqrt(Math.max(0, inner[e][e] - 2 * inner[e][f] + inner[f][f]));
            }
        }
        DMatrixRMaj gMean = new DMatrixRMaj(W.numRows, W.numCols);
        for (int r : ref) {
            CommonOps_DDRM.addEquals(gMean, 1.0 / ref.length, g[r]);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Domain> out = new ArrayList<>();
        for (int e = 0; e < numDomains; e++) {
            int[] rows = index.rows(e);
            // ‖H_e − H̄‖² = ⟨H_e,H_e⟩ − (2/R) Σ_r ⟨H_e,H_r⟩ + (1/R²) Σ_{r,s} ⟨H_r,H_s⟩
            double sq = inner[e][e];
            for (int r : ref) {
                sq -= 2.0 / ref.length * inner[e][r];
                for (int s : ref) {
                    sq += inner[r][s] / ((double) ref.length * ref.length);
                }
            }
            int slot = e;
            Operator gap = V -> {
                DMatrixRMaj y = HeadDerivatives.hessianVectorProduct(X, P, rows, V, null);
                for (int r : ref) {
                    CommonOps_DDRM.addEquals(y, -1.0 / ref.length, HeadDerivatives.hessianVectorProduct(X, P, index.rows(r), V, null));
                }
                return y;
            };
            Operator hessian = V -> HeadDerivatives.hessianVectorProduct(X, P, rows, V, null);
            double[] curvature = extremeEigenvalues(hessian, W.numRows, W.numCols, true, rng.split());
            double[] gapSpectrum = extremeEigenvalues(gap, W.numRows, W.numCols, false, rng.split());
            double spectral = Math.max(Math.abs(gapSpectrum[0]), Math.abs(gapSpectrum[1]));
            double loss = 0;
            int correct = 0;
            for (int i : rows) {
                loss += losses[i] / rows.length;
                int best = 0;
                for (int k = 1; k < P.numCols; k++) {
                    if (P.get(i, k) > P.get(i, best)) {
                        best = k;
                    }
                }
                correct += best == batch.label(i) ? 1 : 0;
            }
            out.add(new Domain(loss, correct / (double) rows.length, rows.length, distance(g[slot], gMean), Math.sqrt(Math.max(0, sq)),
                    spectral, curvature[1], Math.max(0, curvature[0])));
        }
        return new Result(List.copyOf(out), gradientDistances, hessianDistances);
    }

    /** A symmetric linear map on C×D matrices. */
    @FunctionalInterface
    interface Operator {
        DMatrixRMaj apply(DMatrixRMaj V);
    }

    /**
     * The smallest and largest eigenvalues of a symmetric operator, optionally on class-mean-free directions, by
     * Lanczos with full reorthogonalisation ({@link #LANCZOS_STEPS} steps at most, fewer when the Krylov space
     * closes): each step is one application of the operator, and the extremes of the k×k tridiagonal matrix are
     * those of the operator once k reaches the space's dimension (and converge long before).
     *
     * @return {λ_min, λ_max}.
     */
    static double[] extremeEigenvalues(Operator op, int c, int d, boolean meanFree, SplittableRandom rng) {
        int dim = (meanFree ? c - 1 : c) * d;
        int steps = Math.min(dim, LANCZOS_STEPS);
        List<DMatrixRMaj> basis = new ArrayList<>();
        double[] alpha = new double[steps];
        double[] beta = new double[steps];
        DMatrixRMaj q = new DMatrixRMaj(c, d);
        for (int t = 0; t < q.getNumElements(); t++) {
            q.data[t] = rng.nextGaussian();
        }
        if (meanFree) {
            removeClassMean(q);
        }
        CommonOps_DDRM.scale(1 / Math.sqrt(dot(q, q)), q);
        int k = 0;
        double scale = 0;
        while (k < steps) {
            basis.add(q);
            DMatrixRMaj w = op.apply(q);
            if (meanFree) {
                removeClassMean(w);
            }
            alpha[k] = dot(q, w);
            for (int pass = 0; pass < 2; pass++) {           // full reorthogonalisation, twice
                for (DMatrixRMaj b : basis) {
                    CommonOps_DDRM.addEquals(w, -dot(b, w), b);
                }
            }
            double norm = Math.sqrt(dot(w, w));
            scale = Math.max(scale, Math.abs(alpha[k]) + norm);
            k++;
            if (k == steps || norm <= 1e-12 * Math.max(scale, 1e-300)) {
                break;                                         // the Krylov space closed: T's spectrum is exact there
            }
            beta[k - 1] = norm;
            q = w;
            CommonOps_DDRM.scale(1 / norm, q);
        }
        DMatrixRMaj T = new DMatrixRMaj(k, k);
        for (int i = 0; i < k; i++) {
            T.set(i, i, alpha[i]);
            if (i + 1 < k) {
                T.set(i, i + 1, beta[i]);
                T.set(i + 1, i, beta[i]);
            }
        }
        org.ejml.interfaces.decomposition.EigenDecomposition_F64<DMatrixRMaj> eig =
                org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(k, false, true);
        if (!eig.decompose(T)) {
            throw new IllegalStateException("the tridiagonal eigenproblem did not converge");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double v = eig.getEigenvalue(i).getReal();
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new double[]{min, max};
    }

    private static void removeClassMean(DMatrixRMaj v) {
        for (int j = 0; j < v.numCols; j++) {
            double mean = 0;
            for (int k = 0; k < v.numRows; k++) {
                mean += v.get(k, j) / v.numRows;
            }
            for (int k = 0; k < v.numRows; k++) {
                v.add(k, j, -mean);
            }
        }
    }

    private static double dot(DMatrixRMaj a, DMatrixRMaj b) {
        double s = 0;
        for (int t = 0; t < a.getNumElements(); t++) {
            s += a.data[t] * b.data[t];
        }
        return s;
    }

    private static double distance(DMatrixRMaj a, DMatrixRMaj b) {
        double s = 0;
        for (int t = 0; t < a.getNumElements(); t++) {
            double diff = a.data[t] - b.data[t];
            s += diff * diff;
        }
        return Math.sqrt(s);
    }

    /**
     * ⟨H_e, H_f⟩_F for every pair of domains by the Gram identity, with tr(A_i A_j) = s − q_ij − q_ji + s² where
     * s = p_i·p_j and q_ij = Σ_k p_ik² p_jk (docs/math.md §4.1).
     */
    static double[][] hessianInnerProducts(DMatrixRMaj X, DMatrixRMaj P, DomainIndex index) {
        int numDomains = index.numDomains();
        int n = X.numRows;
        int d = X.numCols;
        int c = P.numCols;
        int[] slot = new int[n];
        for (int e = 0; e < numDomains; e++) {
            for (int i : index.rows(e)) {
                slot[i] = e;
            }
        }
        double[][] sums = new double[numDomains][numDomains];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double k = 0;
                for (int t = 0; t < d; t++) {
                    k += X.data[i * d + t] * X.data[j * d + t];
                }
                double s = 0;
                double qij = 0;
                double qji = 0;
                for (int a = 0; a < c; a++) {
                    double pi = P.data[i * c + a];
                    double pj = P.data[j * c + a];
                    s += pi * pj;
                    qij += pi * pi * pj;
                    qji += pj * pj * pi;
                }
                double v = (s - qij - qji + s * s) * k * k;
                sums[slot[i]][slot[j]] += v;
                if (j != i) {
                    sums[slot[j]][slot[i]] += v;
                }
            }
        }
        double[][] inner = new double[numDomains][numDomains];
        for (int e = 0; e < numDomains; e++) {
            for (int f = 0; f < numDomains; f++) {
                inner[e][f] = sums[e][f] / ((double) index.size(e) * index.size(f));
            }
        }
        return inner;
    }
}
