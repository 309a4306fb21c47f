package io.github.cma4j.experiments;

import io.github.cma4j.datasets.fashion.FashionMnist;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The IRM-protocol acceptance table of docs/results.md in one command: every row's {@link IrmProtocolExperiment}
 * settings, run for seeds 0 … S−1 one after the other, then the table in Markdown. The rows are the settings the
 * results were produced with (the baselines in the original scripts' forms; CMA with the weight chosen on held-out
 * training data, and CMA under the baselines' own schedule for comparison), so this class is also their record.
 * <pre>
 * usage: IrmProtocolTable [SEEDS] [--rows=ERM,IRM,...] [--steps=N] [--hidden=H]
 * </pre>
 */
public final class IrmProtocolTable {
    /** Row label → the experiment's arguments after ALGORITHM SEEDS STEPS (the algorithm first). */
    public static final Map<String, String> ROWS = rows();

    private IrmProtocolTable() {
    }

    private static Map<String, String> rows() {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("ERM", "ERM");
        rows.put("ERM-gray", "ERM --gray");
        rows.put("IRM", "IRM irm_lambda=1e4 irm_penalty_anneal_iters=100 irm_penalty=full");
        rows.put("VREx", "VREx vrex_lambda=4e4 vrex_penalty_anneal_iters=100");
        rows.put("Fishr", "Fishr lambda=5.14e6 penalty_anneal_iters=100 ema=0 lambda_before_anneal=514 --rescale=1e4");
        rows.put("CMA", "CMA grad_alpha=1e4 hess_beta=1e4 penalty_anneal_iters=100 --rescale=false");
        // the same, with the Hessian penalty's two long products in float32 (docs/performance.md §4)
        rows.put("CMA-float32", "CMA grad_alpha=1e4 hess_beta=1e4 penalty_anneal_iters=100 hess_precision=float32 --rescale=false");
        // not selected by the held-out rule: CMA under the schedule IRM and VREx run with (weight 10⁴, loss ÷ 10⁴)
        rows.put("CMA-rescaled", "CMA grad_alpha=1e4 hess_beta=1e4 penalty_anneal_iters=100");
        return java.util.Collections.unmodifiableMap(rows);
    }

    /**
     * The experiment invocation of one row.
     *
     * @param row   a key of {@link #ROWS}.
     * @param seeds how many seeds.
     * @param extra further options (e.g. {@code --steps} is given as STEPS; {@code --hidden=H}).
     * @param steps Adam steps.
     * @return the parsed invocation.
     */
    public static IrmProtocolExperiment.Invocation invocation(String row, int seeds, int steps, List<String> extra) {
        String spec = ROWS.get(row);
        if (spec == null) {
            throw new IllegalArgumentException("unknown row '" + row + "'; valid: " + ROWS.keySet());
        }
        List<String> args = new ArrayList<>(Arrays.asList(spec.split(" ")));
        args.add(1, Integer.toString(seeds));
        args.add(2, Integer.toString(steps));
        args.addAll(extra);
        return IrmProtocolExperiment.parse(args.toArray(String[]::new));
    }

    /**
     * @param args [SEEDS] [--rows=A,B] [--steps=N] [--hidden=H].
     * @throws IOException if Fashion-MNIST cannot be found.
     */
    public static void main(String[] args) throws IOException {
        int seeds = 5;
        int steps = 501;
        List<String> rows = new ArrayList<>(ROWS.keySet());
        List<String> extra = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--rows=")) {
                rows = Arrays.asList(a.substring("--rows=".length()).split(","));
            } else if (a.startsWith("--steps=")) {
                steps = Integer.parseInt(a.substring("--steps=".length()));
            } else if (a.startsWith("--hidden=")) {
                extra.add(a);
            } else if (a.matches("[0-9]+")) {
                seeds = Integer.parseInt(a);
            } else {
                throw new IllegalArgumentException("unknown argument '" + a + "'; usage: [SEEDS] [--rows=" + String.join(",", ROWS.keySet())
                        + "] [--steps=N] [--hidden=H]");
            }
        }
        List<IrmProtocolExperiment.Invocation> invocations = new ArrayList<>();
        for (String row : rows) {
            invocations.add(invocation(row, seeds, steps, extra));      // every row checked before hours of training
        }
        FashionMnist.Pool pool = FashionMnist.load(FashionMnist.locate(null));
        List<String> table = new ArrayList<>();
        table.add("| method | seeds | train accuracy | test accuracy (−90%) | per seed (test) |");
        table.add("|---|---|---|---|---|");
        for (int r = 0; r < rows.size(); r++) {
            IrmProtocolExperiment.Invocation in = invocations.get(r);
            List<IrmProtocolExperiment.Outcome> outcomes = IrmProtocolExperiment.runSeeds(pool, in, rows.get(r));
            table.add(String.format(Locale.ROOT, "| %s | 0–%d | %.3f ± %.3f | %.3f ± %.3f | %s |", rows.get(r), seeds - 1,
                    IrmProtocolExperiment.mean(outcomes, true), IrmProtocolExperiment.std(outcomes, true),
                    IrmProtocolExperiment.mean(outcomes, false), IrmProtocolExperiment.std(outcomes, false),
                    outcomes.stream().map(o -> String.format(Locale.ROOT, "%.3f", o.testAccuracy())).collect(Collectors.joining(", "))));
        }
        System.out.println();
        table.forEach(System.out::println);
    }
}
