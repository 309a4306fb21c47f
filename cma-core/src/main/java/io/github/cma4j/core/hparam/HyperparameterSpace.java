package io.github.cma4j.core.hparam;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An ordered set of hyperparameters with DomainBed's defaults and random-search distributions.
 * <p>
 * Random search follows DomainBed: hparams seed 0 means the defaults; otherwise each hyperparameter is drawn
 * from its own generator seeded by {@code seed_hash(seed_hash(hparamsSeed, trialSeed), name)}, so adding a
 * hyperparameter never shifts the others' draws and every draw is reproducible.
 */
public final class HyperparameterSpace {
    private final List<Hyperparameter> entries;

    /**
     * @param entries the hyperparameters, names unique. Copied.
     * @throws IllegalArgumentException on a duplicate name.
     */
    public HyperparameterSpace(List<Hyperparameter> entries) {
        Map<String, Hyperparameter> seen = new LinkedHashMap<>();
        for (Hyperparameter h : entries) {
            if (seen.put(h.name(), h) != null) {
                throw new IllegalArgumentException("duplicate hyperparameter " + h.name());
            }
        }
        this.entries = List.copyOf(entries);
    }

    /** @return the hyperparameters, in order. */
    public List<Hyperparameter> entries() {
        return entries;
    }

    /** @return a space holding this one's entries followed by {@code other}'s. */
    public HyperparameterSpace plus(HyperparameterSpace other) {
        List<Hyperparameter> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new HyperparameterSpace(all);
    }

    /** @return the defaults. */
    public Hyperparameters defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        for (Hyperparameter h : entries) {
            values.put(h.name(), h.defaultValue());
        }
        return new Hyperparameters(values);
    }

    /**
     * One random-search draw.
     *
     * @param hparamsSeed 0 for the defaults, else the draw's seed.
     * @param trialSeed   the trial seed.
     * @return the drawn values (fixed hyperparameters keep their defaults).
     */
    public Hyperparameters sample(long hparamsSeed, long trialSeed) {
        if (hparamsSeed == 0) {
            return defaults();
        }
        long base = SeedHash.of(hparamsSeed, trialSeed);
        Map<String, String> values = new LinkedHashMap<>();
        for (Hyperparameter h : entries) {
            String v = h.search() instanceof Distribution.Fixed
                    ? h.defaultValue() : h.search().draw(new SplittableRandom(SeedHash.of(base, h.name())));
            values.put(h.name(), v);
        }
        return new Hyperparameters(values);
    }

    /**
     * Defaults overridden by explicit values.
     *
     * @param overrides name → text value. Not modified.
     * @return the resolved values.
     * @throws IllegalArgumentException on an unknown name (listing the valid ones) or a value that does not parse.
     */
    public Hyperparameters resolve(Map<String, String> overrides) {
        return override(defaults(), overrides);
    }

    /**
     * Some values overridden by explicit ones.
     *
     * @param base      values from this space. Not modified.
     * @param overrides name → text value. Not modified.
     * @return the resolved values.
     * @throws IllegalArgumentException on an unknown name (listing the valid ones) or a value that does not parse.
     */
    public Hyperparameters override(Hyperparameters base, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(base.asMap());
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            Hyperparameter h = find(e.getKey());
            values.put(h.name(), h.validate(e.getValue()));
        }
        return new Hyperparameters(values);
    }

    private Hyperparameter find(String name) {
        for (Hyperparameter h : entries) {
            if (h.name().equals(name)) {
                return h;
            }
        }
        throw new IllegalArgumentException("unknown hyperparameter '" + name + "'; valid: "
                + entries.stream().map(Hyperparameter::name).toList());
    }
}
