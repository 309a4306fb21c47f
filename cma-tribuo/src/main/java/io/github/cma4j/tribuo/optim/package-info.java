/** Optimisers for Tribuo's SGD trainers: a correct Adam (Tribuo 4.3.2's divides where it should multiply). */
package io.github.cma4j.tribuo.optim;
