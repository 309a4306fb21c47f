package io.github.cma4j.core.cma;

/** Which Hessian CMA aligns (docs/math.md §3.1). */
public enum HessianMode {
    /** The full (C·D)×(C·D) Hessian, computed exactly without materialising it. */
    FULL,
    /** Only its diagonal, as in the published {@code chenyuen0103/CMA:DomainBed} snapshot. */
    DIAGONAL
}
