package io.github.cma4j.core.objective;

import io.github.cma4j.core.hparam.Distribution;
import io.github.cma4j.core.hparam.Hyperparameter;
import io.github.cma4j.core.hparam.HyperparameterSpace;

import java.util.List;

/**
 * The optimiser hyperparameters DomainBed shares across algorithms (docs/math.md §8 and docs/algorithms.md, "Shared DomainBed
 * hyper-parameters"): learning rate, weight decay and per-domain batch size, for small (MNIST-type) and large
 * images.
 */
public final class SharedHyperparameters {
    private SharedHyperparameters() {
    }

    /** @return lr 1e-3 ~ 10^U(−4.5,−2.5); weight_decay 0 (fixed); batch_size 64 ~ int(2^U(3,9)). */
    public static HyperparameterSpace smallImages() {
        return new HyperparameterSpace(List.of(
                Hyperparameter.real("lr", 1e-3, new Distribution.Log10Uniform(-4.5, -2.5), "Adam learning rate"),
                Hyperparameter.real("weight_decay", 0.0, new Distribution.Fixed(), "L2 weight decay"),
                Hyperparameter.integer("batch_size", 64, new Distribution.IntPowUniform(2, 3, 9), "examples per domain per step")));
    }

    /** @return lr 5e-5 ~ 10^U(−5,−3.5); weight_decay 0 ~ 10^U(−6,−2); batch_size 32 ~ int(2^U(3,5.5)). */
    public static HyperparameterSpace largeImages() {
        return new HyperparameterSpace(List.of(
                Hyperparameter.real("lr", 5e-5, new Distribution.Log10Uniform(-5, -3.5), "Adam learning rate"),
                Hyperparameter.real("weight_decay", 0.0, new Distribution.Log10Uniform(-6, -2), "L2 weight decay"),
                Hyperparameter.integer("batch_size", 32, new Distribution.IntPowUniform(2, 3, 5.5), "examples per domain per step")));
    }
}
