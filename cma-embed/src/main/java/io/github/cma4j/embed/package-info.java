/**
 * Frozen pretrained backbones: {@link io.github.cma4j.embed.OnnxEmbedder} runs a user's ONNX network through ONNX
 * Runtime and writes the NPY feature sets the linear-probing trainer reads.
 */
package io.github.cma4j.embed;
