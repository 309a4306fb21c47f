package io.github.cma4j.experiments;

import io.github.cma4j.datasets.fashion.FashionMnist;

import java.io.PrintWriter;
import java.util.ArrayList;
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
 * {@code cma4j irm-protocol-table} runs it.
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
     * Runs the rows one after the other, printing each seed's line, and returns the table.
     *
     * @param pool        verified Fashion-MNIST.
     * @param invocations row label → its invocation, in table order. Not modified.
     * @param out         where the seeds' lines go.
     * @return the Markdown table.
     */
    public static String run(FashionMnist.Pool pool, Map<String, IrmProtocolExperiment.Invocation> invocations, PrintWriter out) {
        List<String> table = new ArrayList<>();
        table.add("| method | seeds | train accuracy | test accuracy (−90%) | per seed (test) |");
        table.add("|---|---|---|---|---|");
        invocations.forEach((row, in) -> {
            List<IrmProtocolExperiment.Outcome> outcomes = IrmProtocolExperiment.runSeeds(pool, in, row, out);
            table.add(String.format(Locale.ROOT, "| %s | %d–%d | %.3f ± %.3f | %.3f ± %.3f | %s |", row, in.firstSeed(),
                    in.firstSeed() + in.seeds() - 1, IrmProtocolExperiment.mean(outcomes, true), IrmProtocolExperiment.std(outcomes, true),
                    IrmProtocolExperiment.mean(outcomes, false), IrmProtocolExperiment.std(outcomes, false),
                    outcomes.stream().map(o -> String.format(Locale.ROOT, "%.3f", o.testAccuracy())).collect(Collectors.joining(", "))));
        });
        return "\n" + String.join("\n", table);
    }
}
