package io.github.cma4j.tribuo;

import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.junit.jupiter.api.Test;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DomainDiagnostics names a planted odd domain and refuses what it cannot diagnose. */
class DomainDiagnosticsTest {

    /** Four sites with the same concept; site 'odd' has its features rotated and stretched. */
    static MutableDataset<Label> sites(long seed) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("sites", OffsetDateTime.now(), factory), factory);
        SplittableRandom rng = new SplittableRandom(seed);
        for (String site : new String[]{"a", "b", "c", "odd"}) {
            for (int i = 0; i < 80; i++) {
                double x0 = rng.nextGaussian();
                double x1 = rng.nextGaussian();
                String label = x0 + x1 > 0 ? "pos" : "neg";
                double[] v = site.equals("odd") ? new double[]{3 * x1 + 1, -2 * x0} : new double[]{x0, x1};
                Example<Label> ex = new ArrayExample<>(new Label(label), new String[]{"x0", "x1"}, v);
                ex.setMetadataValue("site", site);
                data.add(ex);
            }
        }
        return data;
    }

    @Test
    void thePlantedOddDomainIsNamed() {
        MutableDataset<Label> data = sites(3);
        LinearSGDModel model = new DomainLinearSGDTrainer("ERM", Map.of(), new AdamOptimiser(0.05), 1, 16,
                BatchMode.POOLED, true, 1).withSteps(150).withDomainKey("site").train(data);
        DomainDiagnostics d = DomainDiagnostics.of(model, data, "site", Set.of("odd"));
        assertEquals("odd", d.farthestDomain(), d.table(false));
        assertTrue(d.verdict().startsWith("farthest domain: odd (held out;"), d.verdict());
        assertTrue(d.table(false).contains("| odd | held out |"), d.table(false));
        assertTrue(d.table(true).contains("\\begin{tabular}"));
        assertEquals(4, ((java.util.List<?>) d.toMap().get("domains")).size());
    }

    @Test
    void whatCannotBeDiagnosedIsRefusedByName() {
        MutableDataset<Label> data = sites(4);
        LinearSGDModel model = new DomainLinearSGDTrainer("ERM", Map.of(), new AdamOptimiser(0.05), 1, 16,
                BatchMode.POOLED, true, 1).withSteps(20).withDomainKey("site").train(data);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> DomainDiagnostics.of(model, data, "site", Set.of("mars")));
        assertTrue(missing.getMessage().contains("held-out domain 'mars' is not in the data"), missing.getMessage());
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> foreign = new MutableDataset<>(new SimpleDataSourceProvenance("f", OffsetDateTime.now(), factory), factory);
        for (String site : new String[]{"a", "b"}) {
            Example<Label> ex = new ArrayExample<>(new Label("pos"), new String[]{"y0", "y1"}, new double[]{1, 2});
            ex.setMetadataValue("site", site);
            foreign.add(ex);
        }
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> DomainDiagnostics.of(model, foreign, "site", Set.of()));
        assertTrue(other.getMessage().contains("none of the model's 2 features occurs in the data"), other.getMessage());
        org.tribuo.Dataset<Label> single = org.tribuo.dataset.DatasetView.createView(data,
                ex -> "a".equals(ex.getMetadataValue("site").orElse(null)), "a");
        IllegalArgumentException lone = assertThrows(IllegalArgumentException.class, () -> DomainDiagnostics.of(model, single, "site", Set.of()));
        assertTrue(lone.getMessage().contains("the data has one domain"), lone.getMessage());
    }
}
