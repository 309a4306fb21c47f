/** Fashion-MNIST: locating, verifying and (optionally) downloading it. */
package io.github.cma4j.datasets.fashion;
