package io.github.cma4j.bench;

import io.github.cma4j.core.algorithm.Algorithms;
import io.github.cma4j.finetune.FineTuner;
import io.github.cma4j.finetune.MnistCnnFeaturizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One fine-tuning step with DomainBed's MNIST_CNN (2×28×28 inputs, float32) on a domain-balanced batch of
 * 3 domains × 64 images, binary labels: featurizer forward, the objective and its exact feature gradients from
 * cma-core, the featurizer's backward, Adam. ERM versus full-Hessian CMA past its anneal (DomainBed constants).
 * {@code cma-bench/compare-pytorch} runs it next to the same step in PyTorch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(1)
public class BenchmarkFineTuneStep {

    /** ERM or CMA. */
    @Param({"ERM", "CMA"})
    public String method;

    private FineTuner tuner;
    private INDArray x;
    private int[] labels;
    private int[] domains;
    private long step = 1000;

    @Setup
    public void setup() {
        int n = 3 * 64;
        SplittableRandom rng = new SplittableRandom(0);
        float[] pixels = new float[n * 2 * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rng.nextDouble();
        }
        x = Nd4j.create(pixels, new long[]{n, 2 * 28 * 28}, DataType.FLOAT);
        labels = new int[n];
        domains = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(2);
            domains[i] = i / 64;
        }
        Map<String, String> hp = method.equals("CMA") ? Map.of("penalty_anneal_iters", "0") : Map.of();
        tuner = new FineTuner(new MnistCnnFeaturizer(2, 28, 28, DataType.FLOAT, 0), 2, Algorithms.create(method, hp, 0),
                io.github.cma4j.core.optim.Adam.of(1e-3, 0), 0);
    }

    @Benchmark
    public FineTuner.StepReport trainingStep() {
        return tuner.step(x, labels, domains, step++);
    }
}
