package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads features extracted elsewhere (a frozen CLIP or ResNet, say) from NumPy {@code .npy} files: a 2-D float32
 * or float64 (or float16) feature matrix (n × d) and 1-D integer label and domain vectors (and optionally groups),
 * each read by {@link NpyArray}, which checks the header and the file's size before reading.
 * <p>
 * Arrays must be in C order. A file saved in Fortran order ({@code fortran_order: True} in its header) is rejected
 * with a message saying how to fix it — some readers silently transpose such data. Shapes, dtypes, lengths and
 * value ranges are checked, and every error names the file.
 */
public final class NpyDomainReader {
    private NpyDomainReader() {
    }

    /**
     * @param features    n × d float32/float64, C order.
     * @param labels      n integers ≥ 0 (int32/int64).
     * @param domains     n integers ≥ 0.
     * @param groups      n integers ≥ 0, or null.
     * @param classNames  names of labels 0..k−1, or null for "0", "1", ….
     * @param domainNames names of domains 0..m−1, or null for "domain0", ….
     * @return the dataset.
     * @throws IOException naming the file and what is wrong.
     */
    public static MultiDomainDataset read(Path features, Path labels, Path domains, Path groups, List<String> classNames,
                                          List<String> domainNames) throws IOException {
        NpyArray x = NpyArray.read(features);
        if (x.shape().length != 2) {
            throw new IOException(features + ": features must be 2-D (n x d), shape is " + Arrays.toString(x.shape()));
        }
        if (!x.isFloating()) {
            throw new IOException(features + ": features must be float16, float32 or float64, the dtype is " + x.dtype());
        }
        int n = x.shape()[0];
        int d = x.shape()[1];
        float[] f = x.finiteFloats();
        int[] y = readIds(labels, n, "labels");
        int[] dom = readIds(domains, n, "domains");
        int[] g = groups == null ? null : readIds(groups, n, "groups");
        int numClasses = Arrays.stream(y).max().orElse(0) + 1;
        int numDomains = Arrays.stream(dom).max().orElse(0) + 1;
        List<String> classes = classNames != null ? classNames : names("", Math.max(numClasses, 2));
        List<String> doms = domainNames != null ? domainNames : names("domain", numDomains);
        if (numClasses > classes.size() || numDomains > doms.size()) {
            throw new IOException(labels + ", " + domains + ": ids go up to class " + (numClasses - 1) + " and domain "
                    + (numDomains - 1) + " but " + classes.size() + " class and " + doms.size() + " domain names were given");
        }
        Map<String, String> sources = new LinkedHashMap<>();
        for (Path p : groups == null ? List.of(features, labels, domains) : List.of(features, labels, domains, groups)) {
            sources.put(p.toString(), IdxReader.sha256(Files.readAllBytes(p)));
        }
        return new MultiDomainDataset(features.getFileName().toString(), f, d, y, dom, g, doms, classes, new int[]{d},
                new DatasetProvenance("npy", Map.of(), 0, sources));
    }

    /**
     * One file pair per domain: {@code <domain>.npy} (n_e × d features) and {@code <domain>.labels.npy} (n_e
     * labels) in one directory; the domains are the pairs' names, sorted.
     *
     * @param dir        the directory.
     * @param classNames names of labels 0..k−1, or null for "0", "1", ….
     * @return the dataset, rows grouped by domain.
     * @throws IOException naming the file and what is wrong (a features file without labels, widths that differ).
     */
    public static MultiDomainDataset readPerDomain(Path dir, List<String> classNames) throws IOException {
        List<Path> labelFiles;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            labelFiles = s.filter(p -> p.getFileName().toString().endsWith(".labels.npy")).sorted().toList();
        }
        if (labelFiles.isEmpty()) {
            throw new IOException(dir + ": no <domain>.labels.npy files");
        }
        List<String> domains = new ArrayList<>();
        List<float[]> parts = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        int d = -1;
        Map<String, String> sources = new LinkedHashMap<>();
        for (Path labelFile : labelFiles) {
            String domain = labelFile.getFileName().toString().replaceFirst("\\.labels\\.npy$", "");
            Path features = dir.resolve(domain + ".npy");
            if (!Files.exists(features)) {
                throw new IOException(labelFile + " has no features file " + features.getFileName());
            }
            NpyArray x = NpyArray.read(features);
            if (x.shape().length != 2 || !x.isFloating()) {
                throw new IOException(features + ": features must be a 2-D float array, shape " + Arrays.toString(x.shape())
                        + " dtype " + x.dtype());
            }
            if (d >= 0 && x.shape()[1] != d) {
                throw new IOException(features + ": " + x.shape()[1] + " features, the other domains have " + d);
            }
            d = x.shape()[1];
            domains.add(domain);
            parts.add(x.finiteFloats());
            labels.add(readIds(labelFile, x.shape()[0], "labels"));
            sources.put(features.toString(), IdxReader.sha256(Files.readAllBytes(features)));
            sources.put(labelFile.toString(), IdxReader.sha256(Files.readAllBytes(labelFile)));
        }
        int n = labels.stream().mapToInt(l -> l.length).sum();
        float[] f = new float[n * d];
        int[] y = new int[n];
        int[] dom = new int[n];
        int at = 0;
        for (int e = 0; e < domains.size(); e++) {
            System.arraycopy(parts.get(e), 0, f, at * d, parts.get(e).length);
            for (int label : labels.get(e)) {
                y[at] = label;
                dom[at++] = e;
            }
        }
        int numClasses = Arrays.stream(y).max().orElse(0) + 1;
        List<String> classes = classNames != null ? classNames : names("", Math.max(numClasses, 2));
        if (numClasses > classes.size()) {
            throw new IOException(dir + ": labels go up to " + (numClasses - 1) + " but " + classes.size() + " class names were given");
        }
        return new MultiDomainDataset(dir.getFileName().toString(), f, d, y, dom, null, domains, classes, new int[]{d},
                new DatasetProvenance("npy-per-domain", Map.of(), 0, sources));
    }

    private static List<String> names(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static int[] readIds(Path file, int n, String what) throws IOException {
        NpyArray a = NpyArray.read(file);
        if (a.shape().length != 1 || a.shape()[0] != n) {
            throw new IOException(file + ": " + what + " must be 1-D of length " + n + " (the feature rows), shape is "
                    + Arrays.toString(a.shape()));
        }
        return a.ids(what);
    }
}
