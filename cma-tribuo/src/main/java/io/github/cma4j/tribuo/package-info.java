/**
 * The Tribuo plugin: {@link io.github.cma4j.tribuo.DomainLinearSGDTrainer} trains a standard Tribuo
 * {@code LinearSGDModel} with any cma4j algorithm, reading each example's domain from its metadata;
 * {@link io.github.cma4j.tribuo.DomainEvaluation} reports per-domain and worst-group accuracy.
 */
package io.github.cma4j.tribuo;
