package io.github.cma4j.core.objective;

import io.github.cma4j.core.Checks;
import io.github.cma4j.core.head.HeadBatch;
import io.github.cma4j.core.hparam.Hyperparameters;
import org.ejml.data.DMatrixRMaj;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cross-entropy plus weighted regularizers, the shape of most DG objectives:
 * <pre>
 *   L(t) = CE + Σ_k w_k(t) R_k,    w_k(t) = before_k for t &lt; T_k, w_k from T_k on
 * </pre>
 * with one forward and one backward pass shared by every term. The optimiser is reset at t == T_k &gt; 0 for any k
 * (DomainBed re-creates Adam where a penalty's weight jumps). Each regularizer is computed at every step, also
 * while its weight is 0, so that stateful ones (Fishr's moving average) see every batch. {@link
 * ObjectiveResult#terms()} holds {@code crossEntropy} and, per penalty, its value and the weight in force.
 */
public final class PenalizedObjective implements DomainObjective {
    private final String name;
    private final CrossEntropyMode crossEntropy;
    private final List<PenaltySpec> specs;
    private final List<Regularizer> regularizers = new ArrayList<>();
    private final double[] before;
    private final double[] after;
    private final long[] annealAt;

    /**
     * @param name         the algorithm's registry name.
     * @param crossEntropy the ERM term's convention.
     * @param penalties    the penalties. Not modified.
     * @param hp           resolved hyperparameters (weights, warm-ups, the regularizers' settings).
     * @param seed         seed for stochastic regularizers.
     * @throws IllegalArgumentException naming the hyperparameter of a negative or non-finite weight or warm-up.
     */
    public PenalizedObjective(String name, CrossEntropyMode crossEntropy, List<PenaltySpec> penalties,
                              Hyperparameters hp, long seed) {
        this.name = name;
        this.crossEntropy = crossEntropy;
        this.specs = List.copyOf(penalties);
        int k = specs.size();
        before = new double[k];
        after = new double[k];
        annealAt = new long[k];
        for (int t = 0; t < k; t++) {
            PenaltySpec p = specs.get(t);
            after[t] = hp.getDouble(p.weightKey());
            before[t] = p.weightBefore().applyAsDouble(hp);
            annealAt[t] = p.annealAt(hp);
            Checks.nonNegativeFinite(p.weightKey(), after[t]);
            Checks.nonNegativeFinite(p.weightKey() + " before the warm-up", before[t]);
            if (p.annealKey() != null) {
                Checks.nonNegative(p.annealKey(), annealAt[t]);
            }
            regularizers.add(p.factory().create(hp, seed));
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the regularizers, in the order of the algorithm's penalties. */
    public List<Regularizer> regularizers() {
        return List.copyOf(regularizers);
    }

    @Override
    public ObjectiveResult evaluate(HeadBatch batch, DMatrixRMaj W, long step, boolean featureGradients) {
        Checks.nonNegative("step", step);
        HeadPass pass = new HeadPass(batch, W, featureGradients);
        double ce = pass.addCrossEntropy(crossEntropy, 1.0);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("crossEntropy", ce);
        double value = ce;
        boolean reset = false;
        for (int t = 0; t < specs.size(); t++) {
            double weight = Anneal.weight(step, annealAt[t], before[t], after[t]);
            double r = regularizers.get(t).addTo(pass, step, weight);
            terms.put(specs.get(t).term(), r);
            terms.put(specs.get(t).weightTerm(), weight);
            value += weight * r;
            reset |= Anneal.resetsOptimizer(step, annealAt[t]);
        }
        return pass.finish(value, ce, terms, reset);
    }

    @Override
    public void resetState() {
        regularizers.forEach(Regularizer::resetState);
    }

    @Override
    public Object saveState() {
        List<Object> states = new ArrayList<>();
        boolean any = false;
        for (Regularizer r : regularizers) {
            Object s = r.saveState();
            states.add(s);
            any |= s != null;
        }
        return any ? states : null;
    }

    @Override
    public void restoreState(Object state) {
        if (state == null) {
            regularizers.forEach(r -> r.restoreState(null));
            return;
        }
        if (!(state instanceof List<?> states) || states.size() != regularizers.size()) {
            throw new IllegalArgumentException("not a " + name + " state: " + state);
        }
        for (int t = 0; t < regularizers.size(); t++) {
            regularizers.get(t).restoreState(states.get(t));
        }
    }
}
