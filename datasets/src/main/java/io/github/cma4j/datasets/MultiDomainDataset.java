package io.github.cma4j.datasets;

import java.util.Arrays;
import java.util.List;

/**
 * A labelled dataset whose examples come from several domains, in a form no library owns: a dense float feature
 * matrix (row-major, one row per example), integer labels, integer domain ids, optional group ids, the names of
 * domains and classes, the shape of one input, and provenance.
 * <p>
 * Domain ids index {@link #domainNames()}, labels index {@link #classNames()}. Groups (e.g. label × spurious
 * attribute, for worst-group accuracy) are optional. Instances are immutable: accessors return copies or
 * read-only views, except {@link #rawFeatures()}, which exposes the backing array for speed.
 */
public final class MultiDomainDataset {
    private final String name;
    private final float[] features;
    private final int numFeatures;
    private final int[] labels;
    private final int[] domains;
    private final int[] groups;
    private final List<String> domainNames;
    private final List<String> classNames;
    private final int[] inputShape;
    private final DatasetProvenance provenance;
    private List<String> featureNames;

    /**
     * Validates and wraps the arrays (they are not copied: the caller hands them over).
     *
     * @param name        the dataset's name.
     * @param features    n × numFeatures values, row-major; every value finite.
     * @param numFeatures d.
     * @param labels      n labels in {@code [0, classNames.size())}.
     * @param domains     n domain ids in {@code [0, domainNames.size())}.
     * @param groups      n group ids {@code >= 0}, or null.
     * @param domainNames the domains' names, unique.
     * @param classNames  the classes' names, unique, at least 2.
     * @param inputShape  the shape of one input (product = d), e.g. {2, 28, 28}.
     * @param provenance  where the data came from.
     * @throws IllegalArgumentException naming the first inconsistency (with the row and column where it applies).
     */
    public MultiDomainDataset(String name, float[] features, int numFeatures, int[] labels, int[] domains, int[] groups,
                              List<String> domainNames, List<String> classNames, int[] inputShape,
                              DatasetProvenance provenance) {
        if (name == null || features == null || labels == null || domains == null || domainNames == null
                || classNames == null || inputShape == null || provenance == null) {
            throw new IllegalArgumentException("dataset " + name + ": only groups may be null");
        }
        int n = labels.length;
        if (numFeatures <= 0 || (long) n * numFeatures != features.length) {
            throw new IllegalArgumentException("dataset " + name + ": " + features.length + " feature values do not form "
                    + n + " rows of " + numFeatures);
        }
        if (domains.length != n || (groups != null && groups.length != n)) {
            throw new IllegalArgumentException("dataset " + name + ": labels, domains and groups must have the same length ("
                    + n + ", " + domains.length + ", " + (groups == null ? "-" : groups.length) + ")");
        }
        if (Arrays.stream(inputShape).asLongStream().reduce(1, (a, b) -> a * b) != numFeatures) {
            throw new IllegalArgumentException("dataset " + name + ": input shape " + Arrays.toString(inputShape)
                    + " does not hold " + numFeatures + " features");
        }
        if (classNames.size() < 2) {
            throw new IllegalArgumentException("dataset " + name + ": needs at least 2 classes, has " + classNames);
        }
        checkUnique(name, "domain", domainNames);
        checkUnique(name, "class", classNames);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("dataset " + name + ": label " + labels[i] + " at row " + i
                        + " is outside [0, " + classNames.size() + ")");
            }
            if (domains[i] < 0 || domains[i] >= domainNames.size()) {
                throw new IllegalArgumentException("dataset " + name + ": domain id " + domains[i] + " at row " + i
                        + " is outside [0, " + domainNames.size() + ")");
            }
            if (groups != null && groups[i] < 0) {
                throw new IllegalArgumentException("dataset " + name + ": group " + groups[i] + " at row " + i + " is negative");
            }
        }
        for (int idx = 0; idx < features.length; idx++) {
            if (!Float.isFinite(features[idx])) {
                throw new IllegalArgumentException("dataset " + name + ": feature value " + features[idx] + " at row "
                        + idx / numFeatures + ", column " + idx % numFeatures + " is not finite");
            }
        }
        this.name = name;
        this.features = features;
        this.numFeatures = numFeatures;
        this.labels = labels;
        this.domains = domains;
        this.groups = groups;
        this.domainNames = List.copyOf(domainNames);
        this.classNames = List.copyOf(classNames);
        this.inputShape = inputShape.clone();
        this.provenance = provenance;
    }

    private static void checkUnique(String dataset, String what, List<String> names) {
        if (names.stream().distinct().count() != names.size() || names.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw new IllegalArgumentException("dataset " + dataset + ": " + what + " names must be unique and non-blank: " + names);
        }
    }

    /** @return the name. */
    public String name() {
        return name;
    }

    /** @return n. */
    public int size() {
        return labels.length;
    }

    /** @return d, the number of features per example. */
    public int numFeatures() {
        return numFeatures;
    }

    /** @return the backing row-major feature array (n·d values). Do not modify. */
    public float[] rawFeatures() {
        return features;
    }

    /** @return feature j of example i. */
    public float feature(int i, int j) {
        return features[i * numFeatures + j];
    }

    /**
     * Copies one example's features.
     *
     * @param i   the example.
     * @param out destination of length ≥ d, or null.
     * @return the features, as doubles.
     */
    public double[] row(int i, double[] out) {
        if (out == null) {
            out = new double[numFeatures];
        }
        for (int j = 0; j < numFeatures; j++) {
            out[j] = features[i * numFeatures + j];
        }
        return out;
    }

    /** @return the label of example i. */
    public int label(int i) {
        return labels[i];
    }

    /** @return the domain id of example i. */
    public int domain(int i) {
        return domains[i];
    }

    /** @return the group id of example i, or −1 if the dataset has no groups. */
    public int group(int i) {
        return groups == null ? -1 : groups[i];
    }

    /** @return whether examples carry group ids. */
    public boolean hasGroups() {
        return groups != null;
    }

    /** @return a copy of the labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** @return a copy of the domain ids. */
    public int[] domains() {
        return domains.clone();
    }

    /** @return a copy of the group ids, or null. */
    public int[] groups() {
        return groups == null ? null : groups.clone();
    }

    /** @return the domains' names, indexed by domain id. */
    public List<String> domainNames() {
        return domainNames;
    }

    /** @return the classes' names, indexed by label. */
    public List<String> classNames() {
        return classNames;
    }

    /** @return the shape of one input. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** @return where the data came from. */
    public DatasetProvenance provenance() {
        return provenance;
    }

    /**
     * @param domain a domain id.
     * @return the rows of that domain, ascending.
     */
    public int[] rowsOfDomain(int domain) {
        return java.util.stream.IntStream.range(0, size()).filter(i -> domains[i] == domain).toArray();
    }

    /** @return the number of examples in each domain, indexed by domain id. */
    public int[] domainSizes() {
        int[] counts = new int[domainNames.size()];
        for (int d : domains) {
            counts[d]++;
        }
        return counts;
    }

    /**
     * A dataset of some rows, keeping the domain and class vocabularies.
     *
     * @param rows row indices (any order; repeats allowed). Not modified.
     * @param name the subset's name.
     * @return the subset.
     */
    public MultiDomainDataset subset(int[] rows, String name) {
        float[] f = new float[rows.length * numFeatures];
        int[] y = new int[rows.length];
        int[] dom = new int[rows.length];
        int[] g = groups == null ? null : new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            int i = rows[r];
            if (i < 0 || i >= size()) {
                throw new IllegalArgumentException("row " + i + " is outside [0, " + size() + ")");
            }
            System.arraycopy(features, i * numFeatures, f, r * numFeatures, numFeatures);
            y[r] = labels[i];
            dom[r] = domains[i];
            if (g != null) {
                g[r] = groups[i];
            }
        }
        return new MultiDomainDataset(name, f, numFeatures, y, dom, g, domainNames, classNames, inputShape, provenance)
                .withFeatureNames(featureNames);
    }

    /**
     * The concatenation of datasets that share domain and class vocabularies and input shape.
     *
     * @param name  the result's name.
     * @param parts the datasets.
     * @return their rows, in order.
     */
    public static MultiDomainDataset concat(String name, List<MultiDomainDataset> parts) {
        MultiDomainDataset first = parts.get(0);
        int n = parts.stream().mapToInt(MultiDomainDataset::size).sum();
        float[] f = new float[n * first.numFeatures];
        int[] y = new int[n];
        int[] dom = new int[n];
        int[] g = first.hasGroups() ? new int[n] : null;
        int offset = 0;
        for (MultiDomainDataset p : parts) {
            if (!p.domainNames.equals(first.domainNames) || !p.classNames.equals(first.classNames)
                    || p.numFeatures != first.numFeatures || p.hasGroups() != first.hasGroups()) {
                throw new IllegalArgumentException("cannot concatenate " + p.name + " with " + first.name
                        + ": domains, classes, width and groups must agree");
            }
            System.arraycopy(p.features, 0, f, offset * first.numFeatures, p.features.length);
            System.arraycopy(p.labels, 0, y, offset, p.size());
            System.arraycopy(p.domains, 0, dom, offset, p.size());
            if (g != null) {
                System.arraycopy(p.groups, 0, g, offset, p.size());
            }
            offset += p.size();
        }
        return new MultiDomainDataset(name, f, first.numFeatures, y, dom, g, first.domainNames, first.classNames,
                first.inputShape, first.provenance).withFeatureNames(first.featureNames);
    }

    /**
     * Names the feature columns (a CSV's header, say), so that models trained on the data keep the user's names.
     *
     * @param names one unique name per column, or null for the default names ({@link #featureNames()}).
     * @return this dataset.
     * @throws IllegalArgumentException if the count is wrong or a name repeats.
     */
    public MultiDomainDataset withFeatureNames(List<String> names) {
        if (names != null) {
            if (names.size() != numFeatures) {
                throw new IllegalArgumentException("dataset " + name + ": " + names.size() + " feature names for "
                        + numFeatures + " features");
            }
            checkUnique(name, "feature", names);
        }
        this.featureNames = names == null ? null : List.copyOf(names);
        return this;
    }

    /** @return whether the columns have names of their own (else {@link #featureNames()} makes them up). */
    public boolean hasFeatureNames() {
        return featureNames != null;
    }

    /**
     * @return the columns' names: the ones given, or f0000, f0001, … zero-padded so that their lexicographic order
     * (Tribuo's feature ids) is the column order.
     */
    public List<String> featureNames() {
        if (featureNames != null) {
            return featureNames;
        }
        int width = Math.max(4, Integer.toString(numFeatures - 1).length());
        List<String> names = new java.util.ArrayList<>(numFeatures);
        for (int j = 0; j < numFeatures; j++) {
            names.add("f" + "0".repeat(width - Integer.toString(j).length()) + j);
        }
        return names;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " examples, " + numFeatures + " features, domains " + domainNames + " sizes "
                + Arrays.toString(domainSizes()) + ", classes " + classNames.size() + ")";
    }
}
