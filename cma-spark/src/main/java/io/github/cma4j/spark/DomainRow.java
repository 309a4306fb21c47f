package io.github.cma4j.spark;

import java.io.Serializable;

/**
 * One example on the cluster: its features x̃ (with a constant-1 bias column where the head has one), its label id
 * and its domain id.
 *
 * @param features x̃, length D.
 * @param label    in [0, C).
 * @param domain   in [0, E).
 */
public record DomainRow(double[] features, int label, int domain) implements Serializable {
}
