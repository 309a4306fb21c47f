package io.github.cma4j.core.cma;

import io.github.cma4j.core.Checks;

/**
 * The normalisation constants c_g and c_h that scale the per-domain gradients and Hessians before they are
 * compared (docs/math.md §3.1). The paper's printed convention could not be checked, so cma4j keeps them
 * configurable: three presets from the reference code, or explicit values.
 *
 * <table>
 *     <caption>Presets</caption>
 *     <tr><th>preset</th><th>c_g</th><th>c_h</th><th>used by</th></tr>
 *     <tr><td>{@link Preset#ISR}</td><td>1/(C·D)</td><td>1/(C·D)</td><td>the paper's linear probing ({@code hisr.py})</td></tr>
 *     <tr><td>{@link Preset#DOMAINBED}</td><td>1/√C</td><td>1/C</td><td>the authors' DomainBed fine-tuning (May 2024)</td></tr>
 *     <tr><td>{@link Preset#NONE}</td><td>1</td><td>1</td><td>the raw derivatives</td></tr>
 * </table>
 *
 * @param preset which preset, or {@link Preset#EXPLICIT} for {@code gradientConstant}/{@code hessianConstant}.
 * @param explicitGradientConstant c_g when the preset is EXPLICIT (ignored otherwise).
 * @param explicitHessianConstant  c_h when the preset is EXPLICIT (ignored otherwise).
 */
public record Normalization(Preset preset, double explicitGradientConstant, double explicitHessianConstant) {

    /** Where the constants come from. */
    public enum Preset {
        /** c_g = c_h = 1/(C·D), the ISR linear-probing code. */
        ISR,
        /** c_g = 1/√C, c_h = 1/C, the authors' DomainBed fine-tuning code. */
        DOMAINBED,
        /** c_g = c_h = 1. */
        NONE,
        /** Explicit values. */
        EXPLICIT
    }

    /**
     * Validates the constants.
     *
     * @throws IllegalArgumentException if the preset is null or an explicit constant is negative or not finite.
     */
    public Normalization {
        if (preset == null) {
            throw new IllegalArgumentException("normalization preset is null");
        }
        if (preset == Preset.EXPLICIT) {
            Checks.nonNegativeFinite("c_g", explicitGradientConstant);
            Checks.nonNegativeFinite("c_h", explicitHessianConstant);
        }
    }

    /** @return the ISR linear-probing preset, c_g = c_h = 1/(C·D). */
    public static Normalization isr() {
        return new Normalization(Preset.ISR, Double.NaN, Double.NaN);
    }

    /** @return the DomainBed preset, c_g = 1/√C, c_h = 1/C. */
    public static Normalization domainBed() {
        return new Normalization(Preset.DOMAINBED, Double.NaN, Double.NaN);
    }

    /** @return c_g = c_h = 1. */
    public static Normalization none() {
        return new Normalization(Preset.NONE, Double.NaN, Double.NaN);
    }

    /**
     * @param gradientConstant c_g, finite and {@code >= 0}.
     * @param hessianConstant  c_h, finite and {@code >= 0}.
     * @return explicit constants.
     */
    public static Normalization explicit(double gradientConstant, double hessianConstant) {
        return new Normalization(Preset.EXPLICIT, gradientConstant, hessianConstant);
    }

    /**
     * Parses a preset name (case-insensitive: {@code isr}, {@code domainbed}, {@code none}).
     *
     * @param name the preset's name.
     * @return the preset.
     * @throws IllegalArgumentException naming the valid presets if {@code name} is not one.
     */
    public static Normalization ofPreset(String name) {
        for (Preset p : Preset.values()) {
            if (p != Preset.EXPLICIT && p.name().equalsIgnoreCase(name)) {
                return new Normalization(p, Double.NaN, Double.NaN);
            }
        }
        throw new IllegalArgumentException("unknown normalization preset '" + name + "'; valid: isr, domainbed, none");
    }

    /**
     * @param numClasses  C.
     * @param numFeatures D (the width of X̃, bias column included).
     * @return c_g.
     */
    public double gradientConstant(int numClasses, int numFeatures) {
        return switch (preset) {
            case ISR -> 1.0 / ((double) numClasses * numFeatures);
            case DOMAINBED -> 1.0 / Math.sqrt(numClasses);
            case NONE -> 1.0;
            case EXPLICIT -> explicitGradientConstant;
        };
    }

    /**
     * @param numClasses  C.
     * @param numFeatures D (the width of X̃, bias column included).
     * @return c_h.
     */
    public double hessianConstant(int numClasses, int numFeatures) {
        return switch (preset) {
            case ISR -> 1.0 / ((double) numClasses * numFeatures);
            case DOMAINBED -> 1.0 / numClasses;
            case NONE -> 1.0;
            case EXPLICIT -> explicitHessianConstant;
        };
    }
}
