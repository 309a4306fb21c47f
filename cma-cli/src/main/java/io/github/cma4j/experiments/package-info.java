/** Reproducible experiments whose results are recorded in docs/results.md. */
package io.github.cma4j.experiments;
