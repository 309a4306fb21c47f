package io.github.cma4j.tribuo;

import io.github.cma4j.core.diagnostics.MomentGaps;
import io.github.cma4j.core.head.HeadBatch;
import org.ejml.data.DMatrixRMaj;
import org.tribuo.Dataset;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.math.la.DenseMatrix;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Why a linear model will or will not transfer, in the moments CMA aligns (docs/math.md §11): for a Tribuo
 * {@link LinearSGDModel} from any trainer and a multi-domain dataset, each domain's loss, accuracy, gradient and
 * Hessian gaps to the training domains' mean (Frobenius and spectral), its curvature, and the pairwise gradient
 * and Hessian distances between all domains, held-out ones included ({@link MomentGaps}).
 *
 * @param domains the domains, in the data's order (sorted names).
 * @param trained whether each was a training domain (part of the mean).
 * @param gaps    the numbers, by domain.
 * @param unknownFeatures data features the model does not have (ignored, as Tribuo's predict does).
 */
public record DomainDiagnostics(List<String> domains, List<Boolean> trained, MomentGaps.Result gaps, int unknownFeatures) {

    /**
     * @param model      the model (its bias column, last, is the constant-1 feature).
     * @param data       labelled examples with domain metadata.
     * @param domainKey  the metadata key of the domain.
     * @param heldOut    domains the model was not trained on (placed on the map, not in the mean); may be empty.
     * @return the diagnostics.
     * @throws IllegalArgumentException if the data has one domain, a held-out domain is not in the data, no feature of
     *                                  the model occurs in the data, or a label is unknown to the model.
     */
    public static DomainDiagnostics of(LinearSGDModel model, Dataset<Label> data, String domainKey, Set<String> heldOut) {
        ImmutableFeatureMap features = model.getFeatureIDMap();
        ImmutableOutputInfo<Label> outputs = model.getOutputIDInfo();
        int numFeatures = features.size();
        int[] unknown = {0};
        java.util.Set<String> seen = new java.util.HashSet<>();
        data.getFeatureMap().forEach(v -> {
            if (features.getID(v.getName()) < 0) {
                unknown[0]++;
            } else {
                seen.add(v.getName());
            }
        });
        if (seen.isEmpty()) {
            throw new IllegalArgumentException("none of the model's " + numFeatures + " features occurs in the data (the data has "
                    + data.getFeatureMap().size() + " others): the model was trained on other features");
        }
        for (var ex : data) {
            if (outputs.getID(ex.getOutput()) < 0) {
                throw new IllegalArgumentException("label '" + ex.getOutput().getLabel() + "' is not one of the model's labels "
                        + outputs.getDomain());
            }
        }
        DomainData dense = DomainData.densify(data, domainKey, features::getID, numFeatures + 1, false, outputs);
        dense.fillColumn(numFeatures, 1.0);
        List<String> names = dense.domainNames();
        if (names.size() < 2) {
            throw new IllegalArgumentException("the data has one domain (" + names + "); diagnostics compare domains");
        }
        for (String h : heldOut) {
            if (!names.contains(h)) {
                throw new IllegalArgumentException("held-out domain '" + h + "' is not in the data, whose domains are " + names);
            }
        }
        List<Integer> reference = new ArrayList<>();
        List<Boolean> trained = new ArrayList<>();
        for (int e = 0; e < names.size(); e++) {
            trained.add(!heldOut.contains(names.get(e)));
            if (!heldOut.contains(names.get(e))) {
                reference.add(e);
            }
        }
        if (reference.isEmpty()) {
            throw new IllegalArgumentException("every domain is held out; nothing is left to take the mean over");
        }
        int[] all = java.util.stream.IntStream.range(0, dense.size()).toArray();
        HeadBatch batch = dense.batch(all, outputs.size(), numFeatures);
        DenseMatrix w = model.getWeightsCopy();
        DMatrixRMaj W = new DMatrixRMaj(w.getDimension1Size(), w.getDimension2Size());
        for (int k = 0; k < W.numRows; k++) {
            for (int j = 0; j < W.numCols; j++) {
                W.set(k, j, w.get(k, j));
            }
        }
        MomentGaps.Result gaps = MomentGaps.of(batch, W, reference.stream().mapToInt(Integer::intValue).toArray(), 0L);
        return new DomainDiagnostics(List.copyOf(names), List.copyOf(trained), gaps, unknown[0]);
    }

    /** @return each domain's mean distance to the others, gradient and Hessian scaled by their largest, summed. */
    private double[] farness() {
        int e = domains.size();
        double[] g = new double[e];
        double[] h = new double[e];
        for (int a = 0; a < e; a++) {
            for (int b = 0; b < e; b++) {
                g[a] += gaps.gradientDistances()[a][b] / (e - 1);
                h[a] += gaps.hessianDistances()[a][b] / (e - 1);
            }
        }
        double gMax = java.util.Arrays.stream(g).max().orElse(0);
        double hMax = java.util.Arrays.stream(h).max().orElse(0);
        double[] score = new double[e];
        for (int a = 0; a < e; a++) {
            score[a] = (gMax > 0 ? g[a] / gMax : 0) + (hMax > 0 ? h[a] / hMax : 0);
        }
        return score;
    }

    /** @return the domain farthest from the others in gradient and Hessian, together. */
    public String farthestDomain() {
        double[] score = farness();
        int best = 0;
        for (int a = 1; a < score.length; a++) {
            if (score[a] > score[best]) {
                best = a;
            }
        }
        return domains.get(best);
    }

    /** @return one line a person reads first. */
    public String verdict() {
        int e = domains.indexOf(farthestDomain());
        MomentGaps.Domain d = gaps.domains().get(e);
        return String.format(Locale.ROOT, "farthest domain: %s (%s; Hessian gap %.3g, gradient gap %.3g, accuracy %.3f)%s",
                domains.get(e), trained.get(e) ? "a training domain" : "held out", d.hessianGap(), d.gradientGap(),
                d.accuracy(), unknownFeatures > 0 ? "; " + unknownFeatures + " data feature(s) unknown to the model were ignored" : "");
    }

    /**
     * @param latex LaTeX instead of Markdown.
     * @return the per-domain table and both pairwise matrices.
     */
    public String table(boolean latex) {
        List<String> header = List.of("domain", "role", "n", "loss", "accuracy", "‖g−ḡ‖", "‖H−H̄‖_F", "‖H−H̄‖₂", "λmax(H)", "λmin(H)");
        List<List<String>> rows = new ArrayList<>();
        for (int e = 0; e < domains.size(); e++) {
            MomentGaps.Domain d = gaps.domains().get(e);
            rows.add(List.of(domains.get(e), trained.get(e) ? "train" : "held out", Integer.toString(d.size()), f(d.loss()),
                    f(d.accuracy()), f(d.gradientGap()), f(d.hessianGap()), f(d.hessianGapNorm2()), f(d.maxEigenvalue()),
                    f(d.minEigenvalue())));
        }
        StringBuilder sb = new StringBuilder(render(header, rows, latex));
        for (String what : List.of("gradient", "Hessian")) {
            double[][] m = what.equals("gradient") ? gaps.gradientDistances() : gaps.hessianDistances();
            List<String> h = new ArrayList<>(List.of(what + " distance"));
            h.addAll(domains);
            List<List<String>> r = new ArrayList<>();
            for (int a = 0; a < domains.size(); a++) {
                List<String> row = new ArrayList<>(List.of(domains.get(a)));
                for (int b = 0; b < domains.size(); b++) {
                    row.add(f(m[a][b]));
                }
                r.add(row);
            }
            sb.append("\n").append(render(h, r, latex));
        }
        return sb.toString();
    }

    /** @return the numbers as nested maps and lists, for JSON. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> ds = new ArrayList<>();
        for (int e = 0; e < domains.size(); e++) {
            MomentGaps.Domain d = gaps.domains().get(e);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", domains.get(e));
            m.put("trained", trained.get(e));
            m.put("n", d.size());
            m.put("loss", d.loss());
            m.put("accuracy", d.accuracy());
            m.put("gradient_gap", d.gradientGap());
            m.put("hessian_gap_frobenius", d.hessianGap());
            m.put("hessian_gap_spectral", d.hessianGapNorm2());
            m.put("hessian_max_eigenvalue", d.maxEigenvalue());
            m.put("hessian_min_eigenvalue", d.minEigenvalue());
            ds.add(m);
        }
        out.put("domains", ds);
        out.put("gradient_distances", gaps.gradientDistances());
        out.put("hessian_distances", gaps.hessianDistances());
        out.put("farthest_domain", farthestDomain());
        out.put("verdict", verdict());
        return out;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String render(List<String> header, List<List<String>> rows, boolean latex) {
        StringBuilder sb = new StringBuilder();
        if (latex) {
            sb.append("\\begin{tabular}{").append("l".repeat(header.size())).append("}\n");
            sb.append(String.join(" & ", header)).append(" \\\\\n\\hline\n");
            rows.forEach(r -> sb.append(String.join(" & ", r)).append(" \\\\\n"));
            return sb.append("\\end{tabular}\n").toString();
        }
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> sb.append("---|"));
        sb.append("\n");
        rows.forEach(r -> sb.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return sb.toString();
    }
}
