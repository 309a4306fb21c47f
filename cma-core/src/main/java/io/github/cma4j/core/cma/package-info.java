/**
 * Closed-form moment alignment (CMA): the gradient- and Hessian-alignment penalties in their exact closed forms
 * (Gram, blocked and diagonal) and the annealed objective {@link io.github.cma4j.core.cma.CmaObjective}.
 */
package io.github.cma4j.core.cma;
