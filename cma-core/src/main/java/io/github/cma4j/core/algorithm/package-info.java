/**
 * The regularizer zoo: one class per DomainBed baseline (ERM, IRM, VREx, CORAL, Fishr, HGP, Hutchinson,
 * GroupDRO), each a transcription of its formula in cma-math.md §8 with exact gradients, and the registry
 * {@link io.github.cma4j.core.algorithm.Algorithms} that also lists CMA.
 */
package io.github.cma4j.core.algorithm;
