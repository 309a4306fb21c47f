/**
 * The regularizer zoo: one class per DomainBed baseline, each a transcription of its formula in docs/math.md §8
 * with exact gradients. A penalty is a {@link io.github.cma4j.core.objective.Regularizer} whose {@code SPEC}
 * composes it with the cross-entropy (IRM, VREx, CORAL, Fishr, HGP, Hutchinson, SD, MMD); ERM and GroupDRO are
 * objectives of their own. {@link io.github.cma4j.core.algorithm.Algorithms} is the registry, CMA included: adding an
 * algorithm is one class and one line there.
 */
package io.github.cma4j.core.algorithm;
