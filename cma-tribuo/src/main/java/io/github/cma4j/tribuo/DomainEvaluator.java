package io.github.cma4j.tribuo;

import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * Tribuo's evaluator shape for domain generalization: configured once with the metadata keys, then
 * {@code evaluate(model, dataset)} gives a {@link DomainEvaluation} — per-domain {@code LabelEvaluation}s, the
 * worst domain and, with a group key, worst-group accuracy.
 *
 * @param domainKey metadata key of the domain.
 * @param groupKey  metadata key of the group, or null.
 */
public record DomainEvaluator(String domainKey, String groupKey) {

    /** Domains under {@code domain}, no groups. */
    public DomainEvaluator() {
        this("domain", null);
    }

    /**
     * @param model the model.
     * @param data  labelled examples with the metadata.
     * @return the evaluation.
     * @throws IllegalArgumentException naming the first example without the metadata.
     */
    public DomainEvaluation evaluate(Model<Label> model, Dataset<Label> data) {
        return DomainEvaluation.of(model, data, domainKey, groupKey);
    }
}
