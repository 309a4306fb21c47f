package io.github.cma4j.core.head;

import io.github.cma4j.core.Checks;
import org.ejml.data.DMatrixRMaj;

/**
 * A validated multi-domain minibatch as the linear head sees it: features X̃ (n×D), integer labels in
 * {@code [0, C)} and a non-negative domain id per row.
 * <p>
 * X̃ is the vector the head multiplies: if the head has a bias, the caller folds it in as a constant-1 column
 * (first in DomainBed, last in Tribuo; the penalties do not depend on its position, docs/math.md §1). The batch
 * keeps a reference to {@code features} rather than a copy, so the caller must not modify it while the batch
 * is in use.
 */
public final class HeadBatch {
    private final DMatrixRMaj features;
    private final int[] labels;
    private final int[] domains;
    private final int numClasses;
    private final DomainIndex index;
    private final int biasColumn;

    /**
     * Validates and wraps a batch.
     *
     * @param features   X̃, n×D, every entry finite. Not modified (referenced, not copied).
     * @param labels     n labels, each in {@code [0, numClasses)}. Copied.
     * @param domains    n domain ids, each {@code >= 0}. Copied.
     * @param numClasses C, at least 2.
     * @throws IllegalArgumentException if the batch is empty, the lengths disagree, a label is out of range,
     *                                  a domain id is negative or a feature is NaN/Inf; the message names the
     *                                  row (and column).
     */
    public HeadBatch(DMatrixRMaj features, int[] labels, int[] domains, int numClasses) {
        this(features, labels, domains, numClasses, -1);
    }

    /**
     * Validates and wraps a batch whose features include a constant-1 bias column.
     *
     * @param features   X̃, n×D, every entry finite. Not modified (referenced, not copied).
     * @param labels     n labels, each in {@code [0, numClasses)}. Copied.
     * @param domains    n domain ids, each {@code >= 0}. Copied.
     * @param numClasses C, at least 2.
     * @param biasColumn the column of X̃ that holds the constant 1 (every entry must be exactly 1.0), or −1 if the
     *                   head has no bias. Regularizers on the features themselves (CORAL) leave it out.
     * @throws IllegalArgumentException as the four-argument constructor, or if the bias column is out of range
     *                                  or holds a value other than 1 (named by row).
     */
    public HeadBatch(DMatrixRMaj features, int[] labels, int[] domains, int numClasses, int biasColumn) {
        if (features == null || labels == null || domains == null) {
            throw new IllegalArgumentException("features, labels and domains must all be non-null");
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        int n = features.numRows;
        if (n == 0) {
            throw new IllegalArgumentException("the batch is empty (features have 0 rows)");
        }
        if (features.numCols == 0) {
            throw new IllegalArgumentException("features have 0 columns");
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("labels has length " + labels.length + " but features have " + n + " rows");
        }
        if (domains.length != n) {
            throw new IllegalArgumentException("domains has length " + domains.length + " but features have " + n + " rows");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + numClasses + ")");
            }
        }
        Checks.finite("features", features);
        if (biasColumn < -1 || biasColumn >= features.numCols) {
            throw new IllegalArgumentException("bias column " + biasColumn + " is outside [-1, " + features.numCols + ")");
        }
        if (biasColumn >= 0) {
            for (int i = 0; i < n; i++) {
                if (features.get(i, biasColumn) != 1.0) {
                    throw new IllegalArgumentException("bias column " + biasColumn + " holds " + features.get(i, biasColumn)
                            + " at row " + i + ", expected 1.0");
                }
            }
        }
        this.biasColumn = biasColumn;
        this.features = features;
        this.labels = labels.clone();
        this.domains = domains.clone();
        this.numClasses = numClasses;
        this.index = DomainIndex.of(this.domains);
    }

    /** @return X̃ (n×D), shared with the caller. */
    public DMatrixRMaj features() {
        return features;
    }

    /** @return the label of row {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** @return a copy of the labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** @return a copy of the domain ids. */
    public int[] domains() {
        return domains.clone();
    }

    /** @return n. */
    public int numRows() {
        return features.numRows;
    }

    /** @return D, the width of X̃. */
    public int numFeatures() {
        return features.numCols;
    }

    /** @return the column of X̃ holding the constant-1 bias feature, or −1 if there is none. */
    public int biasColumn() {
        return biasColumn;
    }

    /** @return the columns of X̃ other than the bias column, ascending: the featurizer's outputs φ. */
    public int[] featureColumns() {
        int width = features.numCols;
        int[] cols = new int[biasColumn >= 0 ? width - 1 : width];
        for (int j = 0, t = 0; j < width; j++) {
            if (j != biasColumn) {
                cols[t++] = j;
            }
        }
        return cols;
    }

    /** @return C. */
    public int numClasses() {
        return numClasses;
    }

    /** @return the rows of each domain present. */
    public DomainIndex index() {
        return index;
    }

    /**
     * Checks that a head fits this batch.
     *
     * @param W the head, C×D. Not modified.
     * @throws IllegalArgumentException if W has the wrong shape or a non-finite entry.
     */
    public void checkHead(DMatrixRMaj W) {
        Checks.shape("W (classes x features)", W, numClasses, numFeatures());
        Checks.finite("W", W);
    }
}
