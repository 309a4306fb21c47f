package io.github.cma4j.core.algorithm;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.DomainIndex;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.objective.HeadPass;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Group DRO with DomainBed's online domain weights (docs/math.md §8.8). State: one weight q_e per domain id,
 * initialised to 1. Each step, for the domains present:
 * <pre>
 *   q_e ← q_e · exp(η · L_e)   (L_e detached),   q ← q / Σ q,   L = Σ_e q_e L_e
 * </pre>
 * The weights are kept as log q and normalised with log-sum-exp, which is the same arithmetic without overflow.
 * When every domain is present at every step (DomainBed's balanced batches) this is exactly DomainBed's update;
 * a domain first seen later starts at q = 1 before normalisation.
 *
 * <pre>
 * S. Sagawa, P. W. Koh, T. Hashimoto, P. Liang. "Distributionally Robust Neural Networks", ICLR 2020.
 * </pre>
 */
public final class GroupDroObjective implements DomainObjective, StopGradientHolder {
    /** Registry name. */
    public static final String NAME = "GroupDRO";
    /** Registry entry: groupdro_eta 1e-2 ~ 10^U(−3,−1). */
    public static final AlgorithmSpec SPEC = new AlgorithmSpec(NAME, "group distributionally robust optimisation (online domain weights)",
            new HyperparameterSpace(List.of(
                    Hyperparameter.real("groupdro_eta", 1e-2, new Distribution.Log10Uniform(-3, -1), "step size of the weight update"))),
            (hp, seed) -> new GroupDroObjective(hp.getDouble("groupdro_eta")),
            List.of(), Map.of("groupdro_eta", "0.5"));

    private final double eta;
    private TreeMap<Integer, Double> logWeights = new TreeMap<>();
    private boolean hold;

    /**
     * @param eta η, {@code >= 0}.
     */
    public GroupDroObjective(double eta) {
        Checks.nonNegativeFinite("groupdro_eta", eta);
        this.eta = eta;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        HeadPass pass = new HeadPass(batch, W, featureGradients);
        DomainIndex index = pass.index();
        double[] losses = pass.domainLosses();
        if (!(hold && index.numDomains() > 0 && logWeights.keySet().containsAll(idsOf(index)))) {
            Map<Integer, Double> byId = new TreeMap<>();
            for (int e = 0; e < losses.length; e++) {
                byId.put(index.domainId(e), losses[e]);
            }
            updateLogWeights(logWeights, byId, eta);
        }
        double value = 0;
        double ce = 0;
        Map<String, Double> terms = new LinkedHashMap<>();
        for (int e = 0; e < losses.length; e++) {
            double q = Math.exp(logWeights.get(index.domainId(e)));
            value += q * losses[e];
            ce += losses[e] / losses.length;
            pass.addDomainLossGradient(e, q);
            terms.put("q_" + index.domainId(e), q);
        }
        terms.put("crossEntropy", ce);
        return pass.finish(value, ce, terms, false);
    }

    /**
     * The online update (docs/math.md §8.8) in log space: log q_e += η L_e for the domains given (a new one starts at
     * log 1 = 0), then all normalised by log-sum-exp. cma-spark's driver runs the same update.
     *
     * @param logWeights log q by domain id. Modified.
     * @param losses     L_e by domain id, of the domains present. Not modified.
     * @param eta        η.
     */
    public static void updateLogWeights(Map<Integer, Double> logWeights, Map<Integer, Double> losses, double eta) {
        losses.forEach((id, loss) -> logWeights.merge(id, eta * loss, Double::sum));
        double max = logWeights.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double norm = 0;
        for (double lw : logWeights.values()) {
            norm += Math.exp(lw - max);
        }
        double logNorm = max + Math.log(norm);
        logWeights.replaceAll((id, lw) -> lw - logNorm);
    }

    private static List<Integer> idsOf(DomainIndex index) {
        List<Integer> ids = new java.util.ArrayList<>();
        for (int e = 0; e < index.numDomains(); e++) {
            ids.add(index.domainId(e));
        }
        return ids;
    }

    @Override
    public void holdStopGradients(boolean hold) {
        this.hold = hold;
    }

    @Override
    public void resetState() {
        logWeights = new TreeMap<>();
    }

    @Override
    public Object saveState() {
        return new TreeMap<>(logWeights);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(Object state) {
        if (!(state instanceof TreeMap<?, ?> map)) {
            throw new IllegalArgumentException("not a GroupDRO state: " + state);
        }
        logWeights = new TreeMap<>((TreeMap<Integer, Double>) map);
    }

    /**
     * @return the current normalised weight of each domain id seen so far.
     */
    public Map<Integer, Double> weights() {
        Map<Integer, Double> out = new TreeMap<>();
        logWeights.forEach((id, lw) -> out.put(id, Math.exp(lw)));
        return out;
    }
}
