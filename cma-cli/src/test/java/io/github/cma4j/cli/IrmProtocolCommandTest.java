package io.github.cma4j.cli;

import io.github.cma4j.datasets.fashion.FashionMnist;
import io.github.cma4j.experiments.IrmProtocolExperiment;
import io.github.cma4j.experiments.IrmProtocolTable;
import picocli.CommandLine;
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
class IrmProtocolCommandTest {

    @Test
    void commandLineDefaultsAreTheScripts() {
        IrmProtocolExperiment.Invocation in = IrmProtocolCommand.parse(new String[]{"IRM", "5", "501",
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
        IrmProtocolExperiment.Settings s = IrmProtocolCommand.parse(new String[]{"Fishr", "1", "10", "--rescale=1e4",
                "--one-logit=false", "--adam-reset", "--holdout=0.1", "--hidden=16", "--first-seed=3"}).settings();
        assertEquals(1e4, s.divisor());
        assertFalse(s.oneLogit());
        assertTrue(s.adamReset());
        assertEquals(0.1, s.holdout());
        assertEquals(16, s.hidden());
        assertFalse(IrmProtocolCommand.parse(new String[]{"CMA", "1", "1", "--rescale=false"}).settings().rescale());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> IrmProtocolCommand.parse(new String[]{"ERM", "1", "1", "--gray=ture"}));
        assertTrue(e.getMessage().contains("--gray") && e.getMessage().contains("ture"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> IrmProtocolCommand.parse(new String[]{"ERM", "1", "1", "--steps=3"}));
        assertTrue(e.getMessage().contains("--steps=3"), e.getMessage());
        assertThrows(CommandLine.ParameterException.class, () -> IrmProtocolCommand.parse(new String[]{"ERM", "1", "1", "--holdout"}));
        e = assertThrows(CommandLine.ParameterException.class, () -> IrmProtocolCommand.parse(new String[]{"ERM", "1", "1", "--rescale=0.5"}));
        assertTrue(e.getMessage().contains("invalid settings"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> IrmProtocolCommand.parse(new String[]{"ERM", "1", "1", "--rescale=half"}));
        assertTrue(e.getMessage().contains("--rescale takes true, false or a number"), e.getMessage());
    }

    /** The acceptance table's rows are valid invocations: known algorithms and hyperparameters, the scripts' forms. */
    @Test
    void acceptanceTableRowsParse() {
        for (String row : IrmProtocolTable.ROWS.keySet()) {
            IrmProtocolExperiment.Invocation in = IrmProtocolCommand.Table.invocation(row, 5, 501, List.of());
            io.github.cma4j.core.algorithm.Algorithms.get(in.algorithm()).hyperparameters().resolve(in.overrides());
            assertEquals(501, in.settings().steps());
        }
        assertEquals("full", IrmProtocolCommand.Table.invocation("IRM", 1, 1, List.of()).overrides().get("irm_penalty"));
        assertEquals(1e4, IrmProtocolCommand.Table.invocation("Fishr", 1, 1, List.of()).settings().divisor());
        assertTrue(IrmProtocolCommand.Table.invocation("ERM-gray", 1, 1, List.of("--hidden=8")).settings().gray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IrmProtocolCommand.Table.invocation("GroupDRO", 1, 1, List.of()));
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
                IrmProtocolCommand.parse("IRM", "1", "4", "--hidden=8", "--holdout=0.05").settings());
        assertEquals(2, o.heldOutAccuracy().length);
        for (double a : new double[]{o.trainAccuracy(), o.testAccuracy(), o.heldOutAccuracy()[0], o.heldOutAccuracy()[1]}) {
            assertTrue(a >= 0 && a <= 1, "accuracy " + a);
        }
        assertTrue(o.trainAccuracy() > 0.55, "four Adam steps already use the colour: " + o.trainAccuracy());
    }
}
