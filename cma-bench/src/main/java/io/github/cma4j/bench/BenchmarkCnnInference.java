package io.github.cma4j.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * The evaluation forward of DomainBed's MNIST_CNN (features of {@code batch} 1×28×28 float32 images, inference
 * buffers, no gradients), as a checkpoint evaluates every split: seconds per batch, so 70,000 images take
 * 70,000 / batch times that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(1)
public class BenchmarkCnnInference {
    @Param({"128", "512", "1024"})
    public int batch;

    private MnistCnnFeaturizer featurizer;
    private INDArray x;

    @Setup
    public void setup() {
        featurizer = new MnistCnnFeaturizer(1, 28, 28, DataType.FLOAT, 1);
        Nd4j.getRandom().setSeed(3);
        x = Nd4j.rand(DataType.FLOAT, batch, 784);
    }

    @Benchmark
    public INDArray features() {
        return featurizer.features(x);
    }
}
