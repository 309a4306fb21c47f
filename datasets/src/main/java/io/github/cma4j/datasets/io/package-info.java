/** Readers for data formats: IDX, CSV/TSV, NPY and image-folder trees. Each names the file, line and column of any defect. */
package io.github.cma4j.datasets.io;
