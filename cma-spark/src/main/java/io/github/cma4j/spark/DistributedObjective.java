package io.github.cma4j.spark;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.core.algorithm.GroupDroObjective;
import io.github.cma4j.core.cma.Normalization;
import io.github.cma4j.core.hparam.Hyperparameters;
import io.github.cma4j.core.linalg.RowOps;
import io.github.cma4j.core.objective.AlgorithmSpec;
import io.github.cma4j.core.objective.PenaltySpec;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.ejml.data.DMatrixRMaj;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cma4j objective evaluated exactly over a Spark RDD, equal to cma-core's on the same rows (docs/math.md §12).
 * Every supported objective is a function of per-domain sums, so one evaluation is two tree-aggregates:
 * <ol>
 *     <li>per domain: n_e, Σℓ, Σ r x̃ᵀ and what the penalty needs — Σ r·z (IRM), Σ (r x̃ᵀ)² (Fishr),
 *     Σ p(1−p) x̃² (CMA-diag), the blocks Σ A[k,l] x̃x̃ᵀ (CMA, O(E·C²·D²) on the driver);</li>
 *     <li>the driver turns them into the value and each penalty's upstream coefficients (Δ_e, Φ_e^{kl}, …), which
 *     are broadcast; each row then adds (∂L/∂z_i) x̃_iᵀ, and the sum is ∂L/∂W.</li>
 * </ol>
 * ERM, VREx and GroupDRO (whose domain weights live on the driver) need only the first pass. Supported: ERM, GroupDRO, IRM ({@code irm_penalty=full}: the split batch depends on
 * row order, which a distributed full batch does not have), VREx, Fishr ({@code ema=0}: the moving average is state
 * across steps), CMA and CMA-diag. CORAL acts on the features and has no gradient w.r.t. a frozen-feature head; it
 * and the other objectives are refused by name. Nothing of size n reaches the driver.
 */
public final class DistributedObjective implements Serializable {
    /** The supported objectives, each with its distributed form. */
    enum Form { ERM, IRM, VREX, FISHR, GROUP_DRO, CMA, CMA_DIAG }

    private final String name;
    private final Form form;
    private final Hyperparameters hp;
    private final List<PenaltySpec> penalties;
    private final boolean domainMeanCrossEntropy;
    private final Normalization normalization;
    /** GroupDRO's log q_e by domain id, kept on the driver across evaluations. */
    private final TreeMap<Integer, Double> logGroupWeights = new TreeMap<>();

    private DistributedObjective(String name, Form form, Hyperparameters hp, List<PenaltySpec> penalties,
                                 boolean domainMeanCrossEntropy, Normalization normalization) {
        this.name = name;
        this.form = form;
        this.hp = hp;
        this.penalties = penalties;
        this.domainMeanCrossEntropy = domainMeanCrossEntropy;
        this.normalization = normalization;
    }

    /**
     * @param algorithm a registry name.
     * @param overrides its hyperparameters. Not modified.
     * @return the distributed objective.
     * @throws IllegalArgumentException naming the algorithm or setting that has no distributed form.
     */
    public static DistributedObjective of(String algorithm, Map<String, String> overrides) {
        AlgorithmSpec spec = Algorithms.get(algorithm);
        Hyperparameters hp = spec.hyperparameters().resolve(overrides);
        spec.factory().create(hp, 0L);      // the same validation as on one machine
        Form form = switch (spec.name().toUpperCase(Locale.ROOT)) {
            case "ERM" -> Form.ERM;
            case "IRM" -> Form.IRM;
            case "VREX" -> Form.VREX;
            case "FISHR" -> Form.FISHR;
            case "GROUPDRO" -> Form.GROUP_DRO;
            case "CMA" -> Form.CMA;
            case "CMA-DIAG" -> Form.CMA_DIAG;
            case "CORAL" -> throw new IllegalArgumentException("CORAL aligns the features themselves; on a frozen-feature "
                    + "head its penalty has no gradient, so cma-spark refuses it (train ERM with domain-mean CE instead)");
            default -> throw new IllegalArgumentException(spec.name() + " has no distributed form in cma-spark; supported: "
                    + "ERM, IRM, VREx, Fishr, GroupDRO, CMA, CMA-diag");
        };
        if (form == Form.IRM && !hp.getString("irm_penalty").equals("full")) {
            throw new IllegalArgumentException("IRM on Spark needs irm_penalty=full: DomainBed's split batch depends on the "
                    + "order of rows within a batch, which a distributed full batch does not have");
        }
        if (form == Form.FISHR && hp.getDouble("ema") != 0.0) {
            throw new IllegalArgumentException("Fishr on Spark needs ema=0: a moving average across evaluations is state "
                    + "that a full-batch optimiser's line searches would corrupt");
        }
        boolean cma = form == Form.CMA || form == Form.CMA_DIAG;
        boolean domainMean = form == Form.IRM || form == Form.VREX
                || (cma && hp.getString("cross_entropy").equalsIgnoreCase("domain_mean"));
        return new DistributedObjective(spec.name(), form, hp, spec.penalties(), domainMean,
                cma ? Normalization.ofPreset(hp.getString("normalization")) : null);
    }

    /** @return the registry name. */
    public String name() {
        return name;
    }

    /**
     * The value and its gradient.
     *
     * @param value L.
     * @param gradW ∂L/∂W, C×D.
     */
    public record Result(double value, DMatrixRMaj gradW) {
    }

    /**
     * Evaluates the objective at step {@code step} (warm-ups as on one machine) over rows.
     *
     * @param rows       the examples.
     * @param numClasses C.
     * @param numDomains the number of domain ids (domains without rows are not counted, as on one machine).
     * @param W          the head, C×D.
     * @param step       the training step.
     * @return the value and ∂L/∂W, equal to cma-core's on the same rows.
     * @throws IllegalArgumentException naming the domain of a row with non-finite features, a label or domain out
     *                                  of range, or a row of the wrong width.
     */
    public Result evaluate(JavaRDD<DomainRow> rows, int numClasses, int numDomains, DMatrixRMaj W, long step) {
        return evaluateBlocks(DomainBlock.of(rows, numClasses, numDomains, W.numCols), numClasses, numDomains, W, step);
    }

    /**
     * As {@link #evaluate}, over rows already grouped into blocks ({@link DomainBlock#of}; cache them when
     * evaluating repeatedly).
     *
     * @param blocks     the examples, in blocks of one domain each.
     * @param numClasses C.
     * @param numDomains the number of domain ids.
     * @param W          the head, C×D.
     * @param step       the training step.
     * @return the value and ∂L/∂W.
     */
    public Result evaluateBlocks(JavaRDD<DomainBlock> blocks, int numClasses, int numDomains, DMatrixRMaj W, long step) {
        double[] weights = new double[penalties.size()];
        for (int t = 0; t < weights.length; t++) {
            weights[t] = penalties.get(t).weightAt(hp, step);
        }
        boolean cmaActive = (form == Form.CMA || form == Form.CMA_DIAG) && step >= penalties.get(0).annealAt(hp);
        boolean blocksNeeded = form == Form.CMA && cmaActive && weights[1] > 0 && numClasses > 1;
        DomainStats.Shape shape = new DomainStats.Shape(numClasses, W.numCols, numDomains, form, blocksNeeded);
        double[] w = W.data.clone();
        DomainStats stats = blocks.treeAggregate(new DomainStats(shape), (s, b) -> s.add(b, w), DomainStats::merge);
        double[] groupWeights = form == Form.GROUP_DRO ? updateGroupWeights(stats) : null;
        Coefficients coefficients = Coefficients.of(stats, form, weights, cmaActive, domainMeanCrossEntropy, normalization,
                groupWeights);
        DMatrixRMaj gradW = new DMatrixRMaj(numClasses, W.numCols);
        if (coefficients.needsSecondPass()) {
            Broadcast<Coefficients> c = JavaSparkContext.fromSparkContext(blocks.context()).broadcast(coefficients);
            double[] grad = blocks.treeAggregate(new double[numClasses * W.numCols],
                    (g, b) -> c.value().addBlockGradient(b, w, g), DistributedObjective::sum);
            System.arraycopy(grad, 0, gradW.data, 0, grad.length);
            c.destroy();
        } else {
            coefficients.addLinearGradient(gradW.data);
        }
        return new Result(coefficients.value(), gradW);
    }

    /**
     * GroupDRO's online update on the driver (docs/math.md §8.8), as {@code GroupDroObjective} does it:
     * log q_e += η L_e for the domains present, then normalised by log-sum-exp.
     *
     * @return q per domain id (0 for ids without rows).
     */
    private double[] updateGroupWeights(DomainStats stats) {
        Map<Integer, Double> losses = new TreeMap<>();
        for (int e = 0; e < stats.count.length; e++) {
            if (stats.count[e] > 0) {
                losses.put(e, stats.loss[e] / stats.count[e]);
            }
        }
        GroupDroObjective.updateLogWeights(logGroupWeights, losses, hp.getDouble("groupdro_eta"));
        double[] q = new double[stats.count.length];
        for (int e = 0; e < q.length; e++) {
            q[e] = stats.count[e] > 0 ? Math.exp(logGroupWeights.get(e)) : 0.0;
        }
        return q;
    }

    /** Forgets GroupDRO's domain weights, as at the start of a new run (the other objectives have no state). */
    public void resetState() {
        logGroupWeights.clear();
    }

    /** @return {@code a}, plus {@code b} (the merge of two partitions' sums). */
    static double[] sum(double[] a, double[] b) {
        RowOps.axpy(1.0, b, 0, a, 0, a.length);
        return a;
    }
}
