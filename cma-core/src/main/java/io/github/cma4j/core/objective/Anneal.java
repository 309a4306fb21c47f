package io.github.cma4j.core.objective;

/**
 * DomainBed's penalty annealing, written once: a hard switch of the penalty weight at step T, and an optimiser
 * reset exactly at t == T when T > 0 (DomainBed re-creates Adam there, because the loss scale jumps).
 */
public final class Anneal {
    private Anneal() {
    }

    /**
     * @param step   the current step t.
     * @param at     T, the step from which {@code after} applies.
     * @param before the weight for t &lt; T (0 for CMA and Fishr, 1 for IRM and VREx).
     * @param after  the weight for t ≥ T.
     * @return the weight in force.
     */
    public static double weight(long step, long at, double before, double after) {
        return step >= at ? after : before;
    }

    /**
     * @param step the current step t.
     * @param at   T.
     * @return true when the optimiser state should be reset before this step (t == T > 0).
     */
    public static boolean resetsOptimizer(long step, long at) {
        return at > 0 && step == at;
    }
}
