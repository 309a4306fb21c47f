package io.github.cma4j.experiments;

import io.github.cma4j.datasets.fashion.FashionMnist;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Tag("nd4j")
class IrmProtocolExperimentTest {

    @Test
    void commandLineDefaultsAreTheScripts() {
        IrmProtocolExperiment.Invocation in = IrmProtocolExperiment.parse(new String[]{"IRM", "5", "501",
                "irm_lambda=1e4", "irm_penalty=full"});
        assertEquals("IRM", in.algorithm());
        assertEquals(Map.of("irm_lambda", "1e4", "irm_penalty", "full"), in.overrides());
        IrmProtocolExperiment.Settings s = in.settings();
        assertTrue(s.rescale() && s.oneLogit() && !s.adamReset() && !s.gray());
        assertEquals(0.0, s.divisor(), "divide by the method's own weight");
        assertEquals(256, s.hidden());
        assertEquals(501, s.steps());
    }

    @Test
    void optionsParseAndBadOnesAreNamed() {
        IrmProtocolExperiment.Settings s = IrmProtocolExperiment.parse(new String[]{"Fishr", "1", "10", "--rescale=1e4",
                "--one-logit=false", "--adam-reset", "--holdout=0.1", "--hidden=16", "--first-seed=3"}).settings();
        assertEquals(1e4, s.divisor());
        assertFalse(s.oneLogit());
        assertTrue(s.adamReset());
        assertEquals(0.1, s.holdout());
        assertEquals(16, s.hidden());
        assertFalse(IrmProtocolExperiment.parse(new String[]{"CMA", "1", "1", "--rescale=false"}).settings().rescale());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IrmProtocolExperiment.parse(new String[]{"ERM", "1", "1", "--gray=ture"}));
        assertTrue(e.getMessage().contains("--gray takes true or false, got 'ture'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IrmProtocolExperiment.parse(new String[]{"ERM", "1", "1", "--steps=3"}));
        assertTrue(e.getMessage().contains("unknown argument '--steps=3'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IrmProtocolExperiment.parse(new String[]{"ERM", "1", "1", "--holdout"}));
        assertThrows(IllegalArgumentException.class, () -> IrmProtocolExperiment.parse(new String[]{"ERM", "1", "1", "--rescale=0.5"}));
    }

    /** The acceptance table's rows are valid invocations: known algorithms and hyperparameters, the scripts' forms. */
    @Test
    void acceptanceTableRowsParse() {
        for (String row : IrmProtocolTable.ROWS.keySet()) {
            IrmProtocolExperiment.Invocation in = IrmProtocolTable.invocation(row, 5, 501, List.of());
            io.github.cma4j.core.algorithm.Algorithms.get(in.algorithm()).hyperparameters().resolve(in.overrides());
            assertEquals(501, in.settings().steps());
        }
        assertEquals("full", IrmProtocolTable.invocation("IRM", 1, 1, List.of()).overrides().get("irm_penalty"));
        assertEquals(1e4, IrmProtocolTable.invocation("Fishr", 1, 1, List.of()).settings().divisor());
        assertTrue(IrmProtocolTable.invocation("ERM-gray", 1, 1, List.of("--hidden=8")).settings().gray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IrmProtocolTable.invocation("GroupDRO", 1, 1, List.of()));
        assertTrue(e.getMessage().contains("unknown row 'GroupDRO'"), e.getMessage());
    }

    /** A few steps of the real protocol (small MLP): accuracies are probabilities and held-out ones come per env. */
    @Test
    void runsTheProtocolOnFashionMnist() throws IOException {
        FashionMnist.Pool pool;
        try {
            pool = FashionMnist.load(FashionMnist.locate(null));
        } catch (IOException e) {
            assumeTrue(false, "Fashion-MNIST not installed: " + e.getMessage());
            return;
        }
        IrmProtocolExperiment.Outcome o = IrmProtocolExperiment.run(pool, "IRM",
                Map.of("irm_penalty", "full", "irm_lambda", "100", "irm_penalty_anneal_iters", "2"), 0,
                IrmProtocolExperiment.parse(new String[]{"IRM", "1", "4", "--hidden=8", "--holdout=0.05"}).settings());
        assertEquals(2, o.heldOutAccuracy().length);
        for (double a : new double[]{o.trainAccuracy(), o.testAccuracy(), o.heldOutAccuracy()[0], o.heldOutAccuracy()[1]}) {
            assertTrue(a >= 0 && a <= 1, "accuracy " + a);
        }
        assertTrue(o.trainAccuracy() > 0.55, "four Adam steps already use the colour: " + o.trainAccuracy());
    }
}
