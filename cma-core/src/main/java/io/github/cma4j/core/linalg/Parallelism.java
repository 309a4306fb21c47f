package io.github.cma4j.core.linalg;

/**
 * The one switch for cma4j's own threads (independent domains or blocks of examples on the common fork-join pool);
 * native libraries' threads (ND4J's BLAS and oneDNN) follow {@code OMP_NUM_THREADS} instead. Results never depend on
 * it: work is split into fixed blocks whose partial sums are added in order.
 */
public final class Parallelism {
    /** Whether cma4j's kernels run on parallel threads; {@code -Dcma4j.parallel=false} turns it off. */
    public static final boolean ENABLED = !"false".equals(System.getProperty("cma4j.parallel"));

    private Parallelism() {
    }
}
