package io.github.cma4j.cli;

import io.github.cma4j.experiments.LinearProbeExperiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code cma4j linear-probe}: ERM versus CMA on the spurious-feature suite, selected on validation data. */
@Command(name = "linear-probe", mixinStandardHelpOptions = true,
        description = "ERM versus CMA (a grid of weights, selected on validation worst-group accuracy) on the "
                + "spurious-feature suite; prints the Markdown table of docs/results.md (5 seeds, 60 epochs: about 90 s).")
final class LinearProbeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", defaultValue = "5", description = "trial seeds 0..SEEDS-1 (default: ${DEFAULT-VALUE})")
    int seeds;
    @Parameters(index = "1", defaultValue = "60", description = "training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(LinearProbeExperiment.run(seeds, epochs));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
