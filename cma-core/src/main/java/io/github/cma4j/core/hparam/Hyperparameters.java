package io.github.cma4j.core.hparam;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolved hyperparameter values of one run, in a stable order, as text (the form Tribuo provenance, the CLI and
 * results files keep), with typed getters. Built by {@link HyperparameterSpace}, which guarantees that every
 * value parses.
 */
public final class Hyperparameters {
    private final Map<String, String> values;

    Hyperparameters(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** @return the values by name, in the space's order. */
    public Map<String, String> asMap() {
        return values;
    }

    /**
     * @param name a hyperparameter's name.
     * @return its value.
     * @throws IllegalArgumentException if there is no such hyperparameter.
     */
    public String getString(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no hyperparameter '" + name + "'; have " + values.keySet());
        }
        return v;
    }

    /** @return the named value as a double. */
    public double getDouble(String name) {
        return Double.parseDouble(getString(name));
    }

    /** @return the named value as a long (a decimal value is rejected). */
    public long getLong(String name) {
        String v = getString(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hyperparameter " + name + " = '" + v + "' is not an integer", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hyperparameters h && h.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
