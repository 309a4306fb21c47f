package io.github.cma4j.cli;

import io.github.cma4j.datasets.fashion.FashionMnist;
import io.github.cma4j.experiments.IrmProtocolExperiment;
import io.github.cma4j.experiments.IrmProtocolExperiment.Invocation;
import io.github.cma4j.experiments.IrmProtocolExperiment.Outcome;
import io.github.cma4j.experiments.IrmProtocolExperiment.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cma4j irm-protocol}: the IRM ColoredMNIST protocol on Fashion-MNIST, fine-tuning the MLP (docs/results.md). */
@Command(name = "irm-protocol", mixinStandardHelpOptions = true,
        description = "The IRM ColoredMNIST protocol on Fashion-MNIST: full-batch Adam on the MLP featurizer and a linear "
                + "head, one line per seed and a summary (docs/results.md).")
final class IrmProtocolCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", defaultValue = "ERM", description = "algorithm (docs/algorithms.md; default: ${DEFAULT-VALUE})")
    String algorithm;
    @Parameters(index = "1", defaultValue = "5", description = "number of seeds (default: ${DEFAULT-VALUE})")
    int seeds;
    @Parameters(index = "2", defaultValue = "501", description = "full-batch Adam steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Parameters(index = "3..*", paramLabel = "name=value", description = "the algorithm's hyperparameters")
    List<String> hparams = new ArrayList<>();
    @Option(names = "--holdout", defaultValue = "0", description = "fraction of each training environment held out and reported (default: ${DEFAULT-VALUE})")
    double holdout;
    @Option(names = "--gray", arity = "0..1", fallbackValue = "true", description = "sum the colour channels (the grayscale oracle)")
    boolean gray;
    @Option(names = "--first-seed", defaultValue = "0", description = "default: ${DEFAULT-VALUE}")
    int firstSeed;
    @Option(names = "--hidden", defaultValue = "256", description = "MLP width (default: ${DEFAULT-VALUE})")
    int hidden;
    @Option(names = "--rescale", defaultValue = "true",
            description = "true: divide the loss by the penalty weight once it exceeds 1 (the script); false: never; X: divide by X instead")
    String rescale;
    @Option(names = "--one-logit", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "the script's one-logit head (default: ${DEFAULT-VALUE}); false: a free 2-class softmax head")
    boolean oneLogit;
    @Option(names = "--adam-reset", arity = "0..1", fallbackValue = "true", description = "reset Adam's moments at the anneal, as DomainBed does")
    boolean adamReset;
    @Option(names = "--data-dir", description = "directory holding Fashion-MNIST")
    Path dataDir;

    /**
     * Parses an invocation as the command line would (used by the protocol table and tests).
     *
     * @param args ALGORITHM SEEDS STEPS [name=value ...] [options].
     * @return the invocation.
     * @throws CommandLine.ParameterException naming the argument that is not understood.
     */
    static Invocation parse(String... args) {
        IrmProtocolCommand command = new IrmProtocolCommand();
        CommandLine cl = new CommandLine(command);
        cl.parseArgs(args);
        return command.invocation(cl);
    }

    private Invocation invocation(CommandLine cl) {
        boolean doRescale;
        double divisor = 0;
        if (rescale.equals("true") || rescale.equals("false")) {
            doRescale = rescale.equals("true");
        } else {
            doRescale = true;
            try {
                divisor = Double.parseDouble(rescale);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(cl, "--rescale takes true, false or a number >= 1, got '" + rescale + "'");
            }
        }
        try {
            return new Invocation(algorithm, seeds, firstSeed, Main.parseOverrides(cl, hparams),
                    new Settings(hidden, steps, holdout, gray, doRescale, divisor, oneLogit, adamReset));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    @Override
    public Integer call() throws IOException {
        Invocation in = invocation(spec.commandLine());
        PrintWriter out = spec.commandLine().getOut();
        List<Outcome> outcomes = IrmProtocolExperiment.runSeeds(FashionMnist.load(FashionMnist.locate(dataDir)), in,
                in.algorithm() + " " + in.overrides(), out);
        out.printf(Locale.ROOT, "%s %s %s: train %.3f ± %.3f, test %.3f ± %.3f over %d seeds%n", in.algorithm(),
                in.overrides(), in.settings(), IrmProtocolExperiment.mean(outcomes, true), IrmProtocolExperiment.std(outcomes, true),
                IrmProtocolExperiment.mean(outcomes, false), IrmProtocolExperiment.std(outcomes, false), in.seeds());
        out.flush();
        return 0;
    }

    /** {@code cma4j irm-protocol-table}: every row of docs/results.md's IRM-protocol table. */
    @Command(name = "irm-protocol-table", mixinStandardHelpOptions = true,
            description = "Every row of docs/results.md's IRM-protocol table (IrmProtocolTable.ROWS), seeds 0..SEEDS-1, "
                    + "one after the other, then the table in Markdown (8 rows x 5 seeds take about 4.5 hours).")
    static final class Table implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", defaultValue = "5", description = "number of seeds (default: ${DEFAULT-VALUE})")
        int seeds;
        @Option(names = "--rows", split = ",", description = "rows to run (default: all)")
        List<String> rows = new ArrayList<>(io.github.cma4j.experiments.IrmProtocolTable.ROWS.keySet());
        @Option(names = "--steps", defaultValue = "501", description = "default: ${DEFAULT-VALUE}")
        int steps;
        @Option(names = "--hidden", defaultValue = "256", description = "MLP width (default: ${DEFAULT-VALUE})")
        int hidden;
        @Option(names = "--data-dir", description = "directory holding Fashion-MNIST")
        Path dataDir;

        @Override
        public Integer call() throws IOException {
            Map<String, Invocation> invocations = new LinkedHashMap<>();
            for (String row : rows) {      // every row checked before hours of training
                invocations.put(row, invocation(row, seeds, steps, List.of("--hidden=" + hidden)));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(io.github.cma4j.experiments.IrmProtocolTable.run(FashionMnist.load(FashionMnist.locate(dataDir)),
                    invocations, out));
            out.flush();
            return 0;
        }

        /**
         * The invocation of one row of the table.
         *
         * @param row   a key of {@code IrmProtocolTable.ROWS}.
         * @param seeds how many seeds.
         * @param steps Adam steps.
         * @param extra further options.
         * @return the parsed invocation.
         * @throws IllegalArgumentException naming the valid rows if {@code row} is not one.
         */
        static Invocation invocation(String row, int seeds, int steps, List<String> extra) {
            String args = io.github.cma4j.experiments.IrmProtocolTable.ROWS.get(row);
            if (args == null) {
                throw new IllegalArgumentException("unknown row '" + row + "'; valid: "
                        + io.github.cma4j.experiments.IrmProtocolTable.ROWS.keySet());
            }
            List<String> all = new ArrayList<>(List.of(args.split(" ")));
            all.add(1, Integer.toString(seeds));
            all.add(2, Integer.toString(steps));
            all.addAll(extra);
            return parse(all.toArray(String[]::new));
        }
    }
}
