package io.github.cma4j.core.cma;

import io.github.cma4j.core.head.DomainIndex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cost model picks, at each benchmarked shape, the form that docs/performance.md measured faster
 * (JMH, value + all gradients, BenchmarkCmaObjective). S5's blocked workspace would be 2.8 GB, so it is never
 * eligible there.
 */
class HessianCostModelTest {

    @ParameterizedTest(name = "{0}: E={1} n_e={2} D={3} C={4} -> {5}")
    @CsvSource({
            "S1, 3, 32, 129, 2, GRAM",      // measured: Gram 0.90 ms, blocked 1.25 ms
            "S2, 3, 32, 385, 7, GRAM",      // Gram 3.6 ms (before tiling; 2.0 after), blocked 234 ms
            "S3, 5, 32, 129, 10, GRAM",     // Gram 3.5 ms, blocked 90 ms
            "S4, 2, 250, 100, 2, BLOCKED",  // Gram 21.2 ms, blocked 3.4 ms
            "S5, 3, 32, 2049, 7, GRAM"})    // blocked not run: 2.8 GB workspace
    void picksTheMeasuredFasterForm(String shape, int numDomains, int perDomain, int d, int c, HessianForm expected) {
        int[] domains = new int[numDomains * perDomain];
        for (int i = 0; i < domains.length; i++) {
            domains[i] = i % numDomains;
        }
        assertEquals(expected, HessianCostModel.choose(DomainIndex.of(domains), d, c, true), shape);
    }
}
