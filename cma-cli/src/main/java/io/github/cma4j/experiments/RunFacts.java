package io.github.cma4j.experiments;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.algorithm.ErmObjective;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.PenaltySpec;
import io.github.cma4j.datasets.MultiDomainDataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a run's records say about how it really ran, beyond its arguments: the algorithm it trained (ERM when only
 * one domain is left to train on), penalties whose warm-up never ends within the run, test labels never seen in
 * training, and the trainer's warnings. Each is also printed when the run starts.
 *
 * @param effectiveAlgorithm   the algorithm trained.
 * @param neverActive          penalties that start at or after the last step.
 * @param unseenTestLabels     labels of the test domains that no training example has.
 * @param warnings             the lines printed for the above.
 */
record RunFacts(String effectiveAlgorithm, List<String> neverActive, List<String> unseenTestLabels, List<String> warnings) {

    static RunFacts of(RunSpec spec, MultiDomainDataset data, List<Integer> testIds, int[] trainRows, Hyperparameters hp) {
        List<String> warnings = new ArrayList<>();
        AlgorithmSpec algorithm = Algorithms.get(spec.algorithm());
        int trainingDomains = data.domainNames().size() - testIds.size();
        String effective = algorithm.name();
        if (trainingDomains == 1 && !algorithm.name().equals(ErmObjective.NAME)) {
            effective = ErmObjective.NAME;
            warnings.add("one training domain is left: " + algorithm.name() + " has nothing to align and trains ERM "
                    + "(recorded as algorithm_effective)");
        }
        List<String> neverActive = new ArrayList<>();
        for (PenaltySpec p : algorithm.penalties()) {
            if (p.annealKey() != null && p.annealAt(hp) >= spec.steps() && p.weightBefore().applyAsDouble(hp) == 0.0) {
                neverActive.add(p.term());
                warnings.add(p.term() + " starts at step " + p.annealAt(hp) + " (" + p.annealKey() + ") but the run has "
                        + spec.steps() + " steps: it never runs, so this run trains ERM; set --anneal or more --steps");
            }
        }
        TreeSet<Integer> trained = new TreeSet<>();
        for (int i : trainRows) {
            trained.add(data.label(i));
        }
        TreeSet<String> unseen = new TreeSet<>();
        for (int test : testIds) {
            for (int i : data.rowsOfDomain(test)) {
                if (!trained.contains(data.label(i))) {
                    unseen.add(data.classNames().get(data.label(i)));
                }
            }
        }
        if (!unseen.isEmpty()) {
            warnings.add("the test domain(s) have labels no training example has, so they can never be predicted: " + unseen);
        }
        return new RunFacts(effective, List.copyOf(neverActive), List.copyOf(unseen), List.copyOf(warnings));
    }

    /** Adds the facts to a checkpoint record, with the trainer's own warnings. */
    void addTo(Map<String, Object> record, List<String> trainerWarnings) {
        record.put("algorithm_effective", effectiveAlgorithm);
        if (!neverActive.isEmpty()) {
            record.put("penalties_never_active", neverActive);
        }
        if (!unseenTestLabels.isEmpty()) {
            record.put("unseen_test_labels", unseenTestLabels);
        }
        List<String> all = new ArrayList<>(warnings);
        all.addAll(trainerWarnings);
        if (!all.isEmpty()) {
            record.put("warnings", all);
        }
    }
}
