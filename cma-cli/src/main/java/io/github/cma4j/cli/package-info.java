/** The {@code cma4j} command-line tool (picocli): demo, train, sweep, report, datasets. */
package io.github.cma4j.cli;
