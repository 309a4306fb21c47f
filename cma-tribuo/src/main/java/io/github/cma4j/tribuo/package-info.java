/**
 * Tribuo trainers on top of cma-core, the experiment runner and the {@code cma4j} command-line tool. Not yet
 * implemented: see the Tribuo plugin and experiments issues in the tracker.
 */
package io.github.cma4j.tribuo;
