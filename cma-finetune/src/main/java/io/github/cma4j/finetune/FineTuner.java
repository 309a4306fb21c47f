package io.github.cma4j.finetune;

import io.github.cma4j.core.objective.DomainObjective;
import io.github.cma4j.core.optim.Adam;
import io.github.cma4j.core.objective.ObjectiveResult;
import org.ejml.data.DMatrixRMaj;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a featurizer and a linear head end to end with any registry objective: each {@link #step} computes the
 * {@link HybridStep} gradients and applies one Adam step (PyTorch semantics: L2 weight decay added to the
 * gradient) to every parameter. The Adam moments are reset when the objective asks (DomainBed's annealing).
 * <p>
 * A step whose objective or gradients are not finite is not applied: it throws an {@link IllegalStateException}
 * naming the step and the term that went non-finite, and the parameters stay those of the last good step.
 */
public final class FineTuner {
    private final Featurizer featurizer;
    private final HybridStep hybridStep = new HybridStep();
    private final DMatrixRMaj head;
    private final DomainObjective objective;
    private final Adam adam;
    private final int numClasses;
    private final Map<String, INDArray> firstMoment = new HashMap<>();
    private final Map<String, INDArray> secondMoment = new HashMap<>();
    private double[] headFirst;
    private double[] headSecond;
    private final long seed;
    private int adamSteps;
    private List<String> trainingDomains;
    private boolean referenceClass;
    private boolean ignoreOptimizerResets;

    /**
     * @param featurizer the featurizer (trained in place).
     * @param numClasses C.
     * @param objective  the objective.
     * @param adam       optimiser settings.
     * @param seed       seed of the head's Xavier-uniform initialisation (bias 0).
     */
    public FineTuner(Featurizer featurizer, int numClasses, DomainObjective objective, Adam adam, long seed) {
        this.featurizer = featurizer;
        this.numClasses = numClasses;
        this.objective = objective;
        this.adam = adam;
        this.seed = seed;
        this.head = new DMatrixRMaj(numClasses, featurizer.featureWidth() + 1);
        initialiseHead(0);
        resetOptimizer();
    }

    /** Xavier-uniform rows from {@code firstRow} on (fan-out = the number of such rows), zero bias, zero rows before. */
    private void initialiseHead(int firstRow) {
        int h = featurizer.featureWidth();
        head.zero();
        SplittableRandom rng = new SplittableRandom(seed);
        double bound = Math.sqrt(6.0 / (h + numClasses - firstRow));
        for (int k = firstRow; k < numClasses; k++) {
            for (int j = 0; j < h; j++) {
                head.set(k, j, (2 * rng.nextDouble() - 1) * bound);
            }
        }
    }

    /**
     * Fixes the first class's logit at 0 (its head row stays zero and is never updated), before training: for two
     * classes the head is then the one-logit logistic model of the IRM script (softmax(0, z) = (1 − σ(z), σ(z))),
     * with that script's Xavier bound √(6/(h+1)), and Adam and the weight decay act on that one logit as there —
     * a free two-row softmax head moves the logit difference twice as fast under Adam and decays it half as much.
     * The objective and its penalties are unchanged (they see the same logits).
     *
     * @return this.
     * @throws IllegalStateException after a step.
     */
    public FineTuner referenceClass() {
        if (adamSteps > 0) {
            throw new IllegalStateException("referenceClass() must be chosen before training");
        }
        referenceClass = true;
        initialiseHead(1);
        return this;
    }

    /**
     * Keeps Adam's moments when the objective asks for a reset at its anneal step (DomainBed re-creates Adam there;
     * the IRM and fishr ColoredMNIST scripts do not).
     *
     * @return this.
     */
    public FineTuner ignoreOptimizerResets() {
        ignoreOptimizerResets = true;
        return this;
    }

    /** A step's outcome. @param value the objective. @param terms its parts. @param reset whether Adam was reset. */
    public record StepReport(double value, Map<String, Double> terms, boolean reset) {
    }

    /**
     * One training step on a batch.
     *
     * @param x       inputs, n × input width.
     * @param labels  n labels.
     * @param domains n domain ids.
     * @param step    the step (drives annealing).
     * @return the objective and its terms.
     * @throws IllegalStateException naming the step and the term if anything went non-finite (nothing applied).
     */
    public StepReport step(INDArray x, int[] labels, int[] domains, long step) {
        return step(x, labels, domains, step, 1.0);
    }

    /**
     * One training step on the whole loss — objective and weight decay — multiplied by {@code lossScale} (the IRM
     * script divides its whole loss, L2 term included, by the penalty weight once that exceeds 1; under Adam this
     * matters only through ε and the moments carried across the change of scale).
     *
     * @param x         inputs, n × input width.
     * @param labels    n labels.
     * @param domains   n domain ids.
     * @param step      the step (drives annealing).
     * @param lossScale positive factor on the loss's gradients, weight decay included.
     * @return the objective (unscaled) and its terms.
     * @throws IllegalStateException naming the step and the term if anything went non-finite (nothing applied).
     */
    public StepReport step(INDArray x, int[] labels, int[] domains, long step, double lossScale) {
        if (!(lossScale > 0) || Double.isInfinite(lossScale)) {
            throw new IllegalArgumentException("loss scale must be positive and finite, got " + lossScale);
        }
        checkDomains(domains, step);
        HybridStep.Gradients g;
        try {
            g = hybridStep.gradients(featurizer, x, labels, domains, numClasses, head, objective, step);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalStateException("step " + step + ": " + e.getMessage()
                    + "; the parameters are those of the last good step", e);
        }
        ObjectiveResult r = g.objective();
        for (Map.Entry<String, INDArray> e : g.featurizerGradients().entrySet()) {
            if (!Double.isFinite(e.getValue().sumNumber().doubleValue())) {
                throw new IllegalStateException("step " + step + ": the gradient of featurizer parameter '" + e.getKey()
                        + "' is not finite; the parameters are those of the last good step");
            }
        }
        boolean reset = r.resetOptimizer() && !ignoreOptimizerResets;
        if (reset) {
            resetOptimizer();
        }
        adamSteps++;
        double c1 = adam.firstCorrection(adamSteps);
        double c2 = adam.secondCorrection(adamSteps);
        for (String name : featurizer.parameterNames()) {
            INDArray p = featurizer.parameter(name);
            INDArray grad = g.featurizerGradients().get(name).castTo(p.dataType());
            if (adam.weightDecay() != 0) {
                grad = grad.add(p.mul(adam.weightDecay()));
            }
            if (lossScale != 1.0) {
                grad = grad.mul(lossScale);
            }
            INDArray m = firstMoment.get(name).muli(adam.betaOne()).addi(grad.mul(1 - adam.betaOne()));
            INDArray v = secondMoment.get(name).muli(adam.betaTwo()).addi(grad.mul(grad).muli(1 - adam.betaTwo()));
            INDArray denominator = Transforms.sqrt(v.div(c2), true).addi(adam.epsilon());
            p.subi(m.div(c1).divi(denominator).muli(adam.learningRate()));
        }
        // the pinned reference row (referenceClass) is not a parameter
        adam.update(head.data, r.gradW().data, headFirst, headSecond, referenceClass ? head.numCols : 0,
                head.getNumElements(), adamSteps, lossScale);
        return new StepReport(r.value(), r.terms(), reset);
    }

    /**
     * Makes every step check that its batch holds each of these training domains (ids 0 … size−1): a batch that
     * misses one would silently change the objective (the penalties compare the domains present).
     *
     * @param names the training domains' names, by id.
     */
    public void expectDomains(List<String> names) {
        this.trainingDomains = List.copyOf(names);
    }

    private void checkDomains(int[] domains, long step) {
        if (trainingDomains == null) {
            return;
        }
        boolean[] seen = new boolean[trainingDomains.size()];
        for (int i = 0; i < domains.length; i++) {
            if (domains[i] < 0 || domains[i] >= seen.length) {
                throw new IllegalArgumentException("step " + step + ": example " + i + " of the batch has domain id "
                        + domains[i] + ", not one of the " + seen.length + " training domains " + trainingDomains);
            }
            seen[domains[i]] = true;
        }
        for (int d = 0; d < seen.length; d++) {
            if (!seen[d]) {
                throw new IllegalArgumentException("step " + step + ": training domain '" + trainingDomains.get(d)
                        + "' has no examples in this batch");
            }
        }
    }

    /** Clears Adam's moments and step count. */
    public void resetOptimizer() {
        for (String name : featurizer.parameterNames()) {
            INDArray p = featurizer.parameter(name);
            firstMoment.put(name, p.like().assign(0));
            secondMoment.put(name, p.like().assign(0));
        }
        headFirst = new double[head.getNumElements()];
        headSecond = new double[head.getNumElements()];
        adamSteps = 0;
    }

    /** @return Adam steps since the last reset. */
    public int adamSteps() {
        return adamSteps;
    }

    /** @return the head, C × (h+1), bias last (live). */
    public DMatrixRMaj head() {
        return head;
    }

    /** @return the featurizer. */
    public Featurizer featurizer() {
        return featurizer;
    }

    /**
     * @param x inputs.
     * @return the predicted class of each row.
     */
    public int[] predict(INDArray x) {
        INDArray f = featurizer.features(x).castTo(DataType.DOUBLE);
        int n = (int) f.size(0);
        int h = featurizer.featureWidth();
        double[] features = f.dup('c').data().asDouble();      // row-major n × h, read once
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < numClasses; k++) {
                double z = head.get(k, h);
                for (int j = 0; j < h; j++) {
                    z += head.get(k, j) * features[i * h + j];
                }
                if (z > best) {
                    best = z;
                    out[i] = k;
                }
            }
        }
        return out;
    }

    /** The state file's name inside a checkpoint directory. */
    static final String STATE = "state.bin";

    /**
     * Writes everything the next step depends on: the featurizer's parameters, the head, Adam's moments and step
     * count, and the objective's state, into {@code dir}, atomically: the new checkpoint is written beside the old
     * one and renamed over it, so a kill leaves one whole checkpoint.
     *
     * @param dir  the checkpoint directory (created).
     * @param step the number of training steps done, stored with it.
     * @throws IOException on a write error.
     */
    public void saveCheckpoint(Path dir, long step) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, STATE, ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeLong(step);
            out.writeInt(adamSteps);
            writeDoubles(out, head.data);
            writeDoubles(out, headFirst);
            writeDoubles(out, headSecond);
            for (String name : featurizer.parameterNames()) {
                out.writeUTF(name);
                for (INDArray a : new INDArray[]{featurizer.parameter(name), firstMoment.get(name), secondMoment.get(name)}) {
                    Nd4j.write(a, out);
                }
            }
            ByteArrayOutputStream state = new ByteArrayOutputStream();
            try (ObjectOutputStream o = new ObjectOutputStream(state)) {
                o.writeObject(objective.saveState());
            }
            out.writeInt(state.size());
            state.writeTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Restores a checkpoint written by {@link #saveCheckpoint} of a tuner with the same featurizer, classes and
     * objective, so that the next step is bit-identical to the one an uninterrupted run would take.
     *
     * @param dir the checkpoint directory.
     * @return the number of training steps done, or −1 if {@code dir} holds no checkpoint.
     * @throws IOException on a read error, or naming what does not match this tuner.
     */
    public long restoreCheckpoint(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.exists(file)) {
            return -1;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            long step = in.readLong();
            int steps = in.readInt();
            double[] h = readDoubles(in, head.data.length, file, "the head");
            double[] m = readDoubles(in, head.data.length, file, "the head's first moment");
            double[] v = readDoubles(in, head.data.length, file, "the head's second moment");
            for (String name : featurizer.parameterNames()) {
                String stored = in.readUTF();
                if (!stored.equals(name)) {
                    throw new IOException(file + ": parameter '" + stored + "' where this featurizer has '" + name + "'");
                }
                INDArray[] arrays = {Nd4j.read(in), Nd4j.read(in), Nd4j.read(in)};
                if (!java.util.Arrays.equals(arrays[0].shape(), featurizer.parameter(name).shape())) {
                    throw new IOException(file + ": parameter '" + name + "' has shape " + java.util.Arrays.toString(arrays[0].shape())
                            + ", this featurizer's " + java.util.Arrays.toString(featurizer.parameter(name).shape()));
                }
                featurizer.parameter(name).assign(arrays[0]);
                firstMoment.put(name, arrays[1]);
                secondMoment.put(name, arrays[2]);
            }
            byte[] state = new byte[in.readInt()];
            in.readFully(state);
            try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(state))) {
                objective.restoreState(o.readObject());
            } catch (ClassNotFoundException e) {
                throw new IOException(file + ": the objective's state is of an unknown class", e);
            }
            System.arraycopy(h, 0, head.data, 0, h.length);
            headFirst = m;
            headSecond = v;
            adamSteps = steps;
            return step;
        }
    }

    /**
     * @param dir a checkpoint directory.
     * @return the number of steps its checkpoint covers, or −1 if it holds none.
     * @throws IOException on a read error.
     */
    public static long checkpointStep(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.exists(file)) {
            return -1;
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            return in.readLong();
        }
    }

    private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double x : v) {
            out.writeDouble(x);
        }
    }

    private static double[] readDoubles(DataInputStream in, int expected, Path file, String what) throws IOException {
        int n = in.readInt();
        if (n != expected) {
            throw new IOException(file + ": " + what + " has " + n + " numbers, this tuner's " + expected);
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }
}
