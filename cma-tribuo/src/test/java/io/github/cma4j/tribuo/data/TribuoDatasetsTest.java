package io.github.cma4j.tribuo.data;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.dataset.DatasetView;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TribuoDatasetsTest {

    @Test
    void examplesCarryDomainAndGroupMetadata() {
        MultiDomainDataset data = SpuriousFeatureSuite.build(new SpuriousFeatureSuite.Params(2, 2, 1,
                new double[]{0.9, 0.7}, 30, 8, 12, 0.5, 1, 1, 0.3), 4);
        MutableDataset<Label> tribuo = TribuoDatasets.toTribuo(data);
        assertEquals(data.size(), tribuo.size());
        assertEquals(5, tribuo.getFeatureMap().size());
        Example<Label> first = tribuo.getExample(0);
        assertEquals(data.domainNames().get(data.domain(0)), first.getMetadataValue("domain").orElseThrow().toString());
        assertEquals(Integer.toString(data.group(0)), first.getMetadataValue("group").orElseThrow().toString());
        assertEquals(data.classNames().get(data.label(0)), first.getOutput().getLabel());
        for (Feature f : first) {
            int j = Integer.parseInt(f.getName().substring(1));
            assertEquals(data.feature(0, j), f.getValue(), 1e-6);
        }
        assertTrue(tribuo.getProvenance().toString().contains("SpuriousFeatures"));

        Map<String, DatasetView<Label>> views = TribuoDatasets.domainViews(tribuo, "domain");
        assertEquals(List.of("train-0.90", "train-0.70", "val", "test"), List.copyOf(views.keySet()));
        assertEquals(30, views.get("train-0.70").size());
        assertEquals(12, views.get("test").size());
        assertThrows(IllegalArgumentException.class, () -> TribuoDatasets.domainViews(tribuo, "site"));
    }

    @Test
    void featureNamesSortInColumnOrder() {
        String[] names = TribuoDatasets.featureNames(12_000);
        assertEquals("f00000", names[0]);
        assertEquals("f11999", names[11_999]);
        assertTrue(names[999].compareTo(names[1000]) < 0);
    }
}
