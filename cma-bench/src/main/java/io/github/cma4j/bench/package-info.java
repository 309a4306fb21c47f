/** JMH benchmarks for cma-core (profile {@code bench}). */
package io.github.cma4j.bench;
