package io.github.cma4j.tribuo;

import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.dataset.DatasetView;
import org.tribuo.classification.Label;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy per domain, the worst domain, and — when examples carry a group (e.g. label × spurious attribute) —
 * per-group and worst-group accuracy: the numbers domain generalization is judged by.
 *
 * @param accuracy       accuracy over all examples.
 * @param domainAccuracy domain name → accuracy, sorted by name.
 * @param domainSizes    domain name → number of examples.
 * @param groupAccuracy  group → accuracy, sorted (empty without a group key).
 * @param groupSizes     group → number of examples.
 * @param domainEvaluations domain name → Tribuo's {@link LabelEvaluation} of that domain's examples (accuracy, macro
 *                          F1, per-label precision and recall, confusion matrix).
 */
public record DomainEvaluation(double accuracy, Map<String, Double> domainAccuracy, Map<String, Integer> domainSizes,
                               Map<String, Double> groupAccuracy, Map<String, Integer> groupSizes,
                               Map<String, LabelEvaluation> domainEvaluations) {

    /**
     * Evaluates a model.
     *
     * @param model     the model.
     * @param data      labelled examples with domain metadata (and group metadata if {@code groupKey} is set).
     * @param domainKey metadata key of the domain.
     * @param groupKey  metadata key of the group, or null.
     * @return the report.
     * @throws IllegalArgumentException naming the first example without the metadata.
     */
    public static DomainEvaluation of(Model<Label> model, Dataset<Label> data, String domainKey, String groupKey) {
        List<Prediction<Label>> predictions = model.predict(data);
        Map<String, int[]> domains = new TreeMap<>();
        Map<String, int[]> groups = new TreeMap<>();
        int correct = 0;
        int i = 0;
        for (Example<Label> ex : data) {
            boolean right = predictions.get(i).getOutput().getLabel().equals(ex.getOutput().getLabel());
            correct += right ? 1 : 0;
            tally(domains, metadata(ex, domainKey, i), right);
            if (groupKey != null) {
                tally(groups, metadata(ex, groupKey, i), right);
            }
            i++;
        }
        Map<String, Double> domainAcc = new LinkedHashMap<>();
        Map<String, Integer> domainSize = new LinkedHashMap<>();
        domains.forEach((k, v) -> {
            domainAcc.put(k, v[0] / (double) v[1]);
            domainSize.put(k, v[1]);
        });
        Map<String, Double> groupAcc = new LinkedHashMap<>();
        Map<String, Integer> groupSize = new LinkedHashMap<>();
        groups.forEach((k, v) -> {
            groupAcc.put(k, v[0] / (double) v[1]);
            groupSize.put(k, v[1]);
        });
        Map<String, LabelEvaluation> perDomain = new LinkedHashMap<>();
        LabelEvaluator evaluator = new LabelEvaluator();
        for (String domain : domains.keySet()) {
            perDomain.put(domain, evaluator.evaluate(model, DatasetView.createView(data,
                    ex -> domain.equals(ex.getMetadataValue(domainKey).map(Object::toString).orElse(null)), domain)));
        }
        return new DomainEvaluation(correct / (double) data.size(), Collections.unmodifiableMap(domainAcc),
                Collections.unmodifiableMap(domainSize), Collections.unmodifiableMap(groupAcc),
                Collections.unmodifiableMap(groupSize), Collections.unmodifiableMap(perDomain));
    }

    private static String metadata(Example<Label> ex, String key, int index) {
        return ex.getMetadataValue(key).map(Object::toString).orElseThrow(() ->
                new IllegalArgumentException("example " + index + " has no '" + key + "' metadata"));
    }

    private static void tally(Map<String, int[]> counts, String key, boolean right) {
        int[] c = counts.computeIfAbsent(key, k -> new int[2]);
        c[0] += right ? 1 : 0;
        c[1]++;
    }

    /** @return the lowest per-domain accuracy. */
    public double worstDomainAccuracy() {
        return domainAccuracy.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    /** @return the domain with the lowest accuracy. */
    public String worstDomain() {
        return domainAccuracy.entrySet().stream().min(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /** @return domain name → macro-averaged F1 over the labels. */
    public Map<String, Double> domainMacroF1() {
        Map<String, Double> out = new LinkedHashMap<>();
        domainEvaluations.forEach((k, v) -> out.put(k, v.macroAveragedF1()));
        return out;
    }

    /** @return the lowest per-group accuracy, or NaN without groups. */
    public double worstGroupAccuracy() {
        return groupAccuracy.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "accuracy %.4f over %d examples%n", accuracy,
                domainSizes.values().stream().mapToInt(Integer::intValue).sum()));
        sb.append(String.format(java.util.Locale.ROOT, "%-16s %8s %8s %8s%n", "domain", "n", "accuracy", "macro F1"));
        domainAccuracy.forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, "%-16s %8d %8.4f %8.4f%n", k,
                domainSizes.get(k), v, domainEvaluations.get(k).macroAveragedF1())));
        sb.append(String.format(java.util.Locale.ROOT, "worst domain: %s (%.4f)%n", worstDomain(), worstDomainAccuracy()));
        if (!groupAccuracy.isEmpty()) {
            sb.append(String.format(java.util.Locale.ROOT, "%-16s %8s %8s%n", "group", "n", "accuracy"));
            groupAccuracy.forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, "%-16s %8d %8.4f%n", k, groupSizes.get(k), v)));
            sb.append(String.format(java.util.Locale.ROOT, "worst group: %.4f%n", worstGroupAccuracy()));
        }
        return sb.toString();
    }
}
