package io.github.cma4j.bench;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import io.github.cma4j.tribuo.BatchMode;
import io.github.cma4j.tribuo.DomainLinearSGDTrainer;
import io.github.cma4j.tribuo.data.TribuoDatasets;
import io.github.cma4j.tribuo.optim.AdamOptimiser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * A whole linear-probe training run (n = 4,795 pooled over 2 domains, D = 100, C = 2, 300 epochs of batches of 500,
 * i.e. 3,000 steps), ERM versus full-Hessian CMA with the linear-probing constants, in the same pipeline
 * (bias-free head, domain-mean cross-entropy, Adam).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class BenchmarkLinearProbe {

    /** ERM (α = β = 0) or CMA. */
    @Param({"ERM", "CMA"})
    public String method;

    private MutableDataset<Label> train;
    private DomainLinearSGDTrainer trainer;

    @Setup
    public void setup() {
        Logger.getLogger("").setLevel(Level.WARNING);
        MultiDomainDataset data = SpuriousFeatureSuite.build(new SpuriousFeatureSuite.Params(10, 10, 80,
                new double[]{0.95, 0.8}, 2398, 4, 4, 0.5, 1, 1, 0.3), 0);
        MultiDomainDataset first4795 = data.subset(IntStream.range(0, 4795).toArray(), "train");   // the two training domains
        train = TribuoDatasets.toTribuo(first4795);
        String weight = method.equals("ERM") ? "0" : "1000";
        trainer = new DomainLinearSGDTrainer("CMA", Map.of("grad_alpha", weight, "hess_beta", weight, "penalty_anneal_iters", "0",
                "normalization", "isr", "cross_entropy", "domain_mean"), new AdamOptimiser(1e-3), 300, 500, BatchMode.POOLED, false, 0);
    }

    @Benchmark
    public LinearSGDModel trainingRun() {
        return trainer.train(train);
    }
}
