/**
 * Fine-tuning (in progress): SameDiff featurizers whose parameters receive cma-core's exact feature gradients through a
 * surrogate loss. ND4J is confined to this package.
 */
package io.github.cma4j.tribuo.finetune;
