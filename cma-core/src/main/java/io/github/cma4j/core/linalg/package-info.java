/** Plain array kernels shared by the head and the penalties. */
package io.github.cma4j.core.linalg;
