/**
 * Fine-tuning: featurizers (the IRM MLP, DomainBed's MNIST_CNN) defined as SameDiff graphs whose parameters receive
 * cma-core's exact feature gradients through a surrogate loss ({@link io.github.cma4j.finetune.HybridStep}),
 * trained by {@link io.github.cma4j.finetune.FineTuner} and, for Tribuo users, by
 * {@link io.github.cma4j.finetune.FineTuningTrainer} into a
 * {@link io.github.cma4j.finetune.FineTunedModel}. ND4J is confined to this module (cma-finetune).
 */
package io.github.cma4j.finetune;
