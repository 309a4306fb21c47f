package io.github.cma4j.core.cma;

import java.util.Locale;

/**
 * Arithmetic of the blocked Hessian penalty's two long products (the weighted second moments and X_e·Φ, each
 * ≈ n·D² multiply-adds; {@link BlockedHessianPenalty}). Everything else — the D×D blocks' differences, norms and
 * Φ, the backward's per-row terms and all other penalties — is float64 either way.
 */
public enum ProductPrecision {
    /** float64 throughout (the default). */
    FLOAT64,
    /**
     * float32 products ({@link io.github.cma4j.core.linalg.FloatProducts}): the features and Φ are rounded to
     * float32, the second moments are summed in float32 over chunks of 256 rows and in float64 across chunks. For
     * features that are float32 values already (a fine-tuned featurizer's output) only Φ and the row weights are
     * rounded; about twice as fast.
     */
    FLOAT32;

    /**
     * @param name {@code float64} or {@code float32} (any case).
     * @return the precision.
     * @throws IllegalArgumentException naming the value and the accepted ones.
     */
    public static ProductPrecision parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float64" -> FLOAT64;
            case "float32" -> FLOAT32;
            default -> throw new IllegalArgumentException("hess_precision must be float64 or float32, got '" + name + "'");
        };
    }
}
