/** Optimiser rules shared by cma4j's trainers: {@link io.github.cma4j.core.optim.Adam}. */
package io.github.cma4j.core.optim;
