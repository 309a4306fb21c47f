package io.github.cma4j.tribuo.data;

import io.github.cma4j.datasets.MultiDomainDataset;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.dataset.DatasetView;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts cma4j's neutral {@link MultiDomainDataset} to Tribuo datasets whose examples carry their domain (and
 * group) as metadata, and back to per-domain views.
 * <p>
 * Features keep the dataset's names (a CSV's header), or are named {@code f0000, f0001, …}, zero-padded so that
 * Tribuo's lexicographic feature ids follow the column order; exact zeros are left out (Tribuo reads an absent feature as 0). Labels use the dataset's class
 * names. Metadata values are strings (Tribuo's protobuf coerces them anyway): the domain's name under
 * {@code domainKey} and the group id under {@code groupKey}. The data provenance records the recipe, its
 * parameters, the seed and the source files' SHA-256.
 */
public final class TribuoDatasets {
    /** Default metadata key of the domain. */
    public static final String DOMAIN_KEY = "domain";
    /** Default metadata key of the group. */
    public static final String GROUP_KEY = "group";

    private TribuoDatasets() {
    }

    /**
     * Converts every example.
     *
     * @param data the dataset.
     * @return a Tribuo dataset with domain and group metadata under the default keys.
     */
    public static MutableDataset<Label> toTribuo(MultiDomainDataset data) {
        return toTribuo(data, DOMAIN_KEY, GROUP_KEY);
    }

    /**
     * Converts every example.
     *
     * @param data      the dataset.
     * @param domainKey metadata key for the domain name.
     * @param groupKey  metadata key for the group id (used only when the dataset has groups).
     * @return a Tribuo dataset.
     */
    public static MutableDataset<Label> toTribuo(MultiDomainDataset data, String domainKey, String groupKey) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> out = new MutableDataset<>(new SimpleDataSourceProvenance(describe(data),
                OffsetDateTime.now(), factory), factory);
        int d = data.numFeatures();
        String[] names = data.featureNames().toArray(String[]::new);
        List<Label> labels = new ArrayList<>();
        for (String c : data.classNames()) {
            labels.add(new Label(c));
        }
        for (int i = 0; i < data.size(); i++) {
            List<String> fn = new ArrayList<>();
            List<Double> fv = new ArrayList<>();
            for (int j = 0; j < d; j++) {
                float v = data.feature(i, j);
                if (v != 0f) {
                    fn.add(names[j]);
                    fv.add((double) v);
                }
            }
            ArrayExample<Label> ex = new ArrayExample<>(labels.get(data.label(i)), fn.toArray(new String[0]),
                    fv.stream().mapToDouble(Double::doubleValue).toArray());
            ex.setMetadataValue(domainKey, data.domainNames().get(data.domain(i)));
            if (data.hasGroups()) {
                ex.setMetadataValue(groupKey, Integer.toString(data.group(i)));
            }
            out.add(ex);
        }
        return out;
    }

    /**
     * Per-domain views sharing the parent's feature and label maps, for per-domain evaluation and
     * leave-one-domain-out.
     *
     * @param data      a Tribuo dataset with domain metadata.
     * @param domainKey the metadata key.
     * @return domain name → view, in order of first appearance.
     */
    public static Map<String, DatasetView<Label>> domainViews(Dataset<Label> data, String domainKey) {
        Map<String, DatasetView<Label>> views = new LinkedHashMap<>();
        for (Example<Label> ex : data) {
            String domain = ex.getMetadataValue(domainKey).map(Object::toString).orElseThrow(() -> new IllegalArgumentException(
                    "an example has no '" + domainKey + "' metadata"));
            views.computeIfAbsent(domain, name -> DatasetView.createView(data,
                    e -> name.equals(e.getMetadataValue(domainKey).map(Object::toString).orElse(null)), name));
        }
        return views;
    }

    /** @return zero-padded feature names, f0000 … */
    public static String[] featureNames(int count) {
        int width = Math.max(4, Integer.toString(count - 1).length());
        String[] names = new String[count];
        for (int j = 0; j < count; j++) {
            names[j] = "f" + "0".repeat(width - Integer.toString(j).length()) + j;
        }
        return names;
    }

    private static String describe(MultiDomainDataset data) {
        return "cma4j " + data.name() + " recipe=" + data.provenance().recipe() + " params=" + data.provenance().parameters()
                + " seed=" + data.provenance().seed() + " sources=" + data.provenance().sourceFiles();
    }
}
