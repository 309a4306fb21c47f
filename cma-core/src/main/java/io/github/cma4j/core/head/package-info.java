/**
 * The linear softmax head z = W x̃ and its per-domain closed-form derivatives (docs/math.md §2):
 * gradients, materialised Hessians, Hessian diagonals and Hessian-vector products.
 */
package io.github.cma4j.core.head;
