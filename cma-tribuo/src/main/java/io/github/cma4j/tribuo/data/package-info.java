/** Conversions between cma4j's multi-domain datasets and Tribuo datasets with domain metadata. */
package io.github.cma4j.tribuo.data;
