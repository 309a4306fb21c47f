package io.github.cma4j.core.hparam;

/**
 * One hyperparameter: its name (DomainBed's spelling), type, default and random-search distribution.
 *
 * @param name         the name, e.g. {@code irm_lambda}.
 * @param type         how its text value parses.
 * @param defaultValue the default, as text.
 * @param search       the random-search distribution ({@link Distribution.Fixed} for none).
 * @param description  one line for help texts and docs.
 */
public record Hyperparameter(String name, Type type, String defaultValue, Distribution search, String description) {

    /** Value types. */
    public enum Type {
        /** A decimal number. */
        DOUBLE,
        /** An integer. */
        INT,
        /** A word (e.g. a preset's name). */
        STRING
    }

    /**
     * Validates the definition.
     *
     * @throws IllegalArgumentException if a part is missing or the default does not parse.
     */
    public Hyperparameter {
        if (name == null || name.isBlank() || type == null || defaultValue == null || search == null) {
            throw new IllegalArgumentException("hyperparameter definition incomplete: " + name);
        }
        parse(name, type, defaultValue);
    }

    /** A decimal hyperparameter. */
    public static Hyperparameter real(String name, double defaultValue, Distribution search, String description) {
        return new Hyperparameter(name, Type.DOUBLE, Double.toString(defaultValue), search, description);
    }

    /** An integer hyperparameter. */
    public static Hyperparameter integer(String name, long defaultValue, Distribution search, String description) {
        return new Hyperparameter(name, Type.INT, Long.toString(defaultValue), search, description);
    }

    /** A word-valued hyperparameter that is never searched. */
    public static Hyperparameter word(String name, String defaultValue, String description) {
        return new Hyperparameter(name, Type.STRING, defaultValue, new Distribution.Fixed(), description);
    }

    /**
     * Checks that a text value parses as this hyperparameter's type.
     *
     * @param value the text.
     * @return the value, trimmed.
     * @throws IllegalArgumentException naming the hyperparameter and the value.
     */
    public String validate(String value) {
        return parse(name, type, value);
    }

    private static String parse(String name, Type type, String value) {
        if (value == null) {
            throw new IllegalArgumentException("hyperparameter " + name + " has no value");
        }
        String v = value.trim();
        try {
            switch (type) {
                case DOUBLE -> {
                    double d = Double.parseDouble(v);
                    if (!Double.isFinite(d)) {
                        throw new NumberFormatException("not finite");
                    }
                }
                case INT -> Long.parseLong(v);
                case STRING -> {
                    if (v.isEmpty()) {
                        throw new NumberFormatException("empty");
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hyperparameter " + name + " = '" + value + "' is not a valid "
                    + type.name().toLowerCase(java.util.Locale.ROOT), e);
        }
        return v;
    }
}
