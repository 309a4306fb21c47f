/**
 * Offline-first multi-domain datasets and loaders (no Tribuo, no ND4J). Not yet implemented: see the datasets
 * issue in the tracker.
 */
package io.github.cma4j.datasets;
