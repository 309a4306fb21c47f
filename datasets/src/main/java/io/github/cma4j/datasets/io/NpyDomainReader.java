package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;
import org.jetbrains.bio.npy.NpyArray;
import org.jetbrains.bio.npy.NpyFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads features extracted elsewhere (a frozen CLIP or ResNet, say) from NumPy {@code .npy} files: a 2-D float32
 * or float64 feature matrix (n × d) and 1-D integer label and domain vectors (and optionally groups), via
 * {@code org.jetbrains.bio:npy}.
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
        NpyArray x = readChecked(features);
        if (x.getShape().length != 2) {
            throw new IOException(features + ": features must be 2-D (n x d), shape is " + Arrays.toString(x.getShape()));
        }
        int n = x.getShape()[0];
        int d = x.getShape()[1];
        float[] f;
        Object data = x.getData();
        if (data instanceof float[] floats) {
            f = floats;
        } else if (data instanceof double[] doubles) {
            f = new float[doubles.length];
            for (int i = 0; i < doubles.length; i++) {
                f[i] = (float) doubles[i];
            }
        } else {
            throw new IOException(features + ": features must be float32 or float64, found " + data.getClass().getSimpleName());
        }
        for (int idx = 0; idx < f.length; idx++) {
            if (!Float.isFinite(f[idx])) {
                throw new IOException(features + ": value " + f[idx] + " at row " + idx / d + ", column " + idx % d + " is not finite");
            }
        }
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

    private static List<String> names(String prefix, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private static int[] readIds(Path file, int n, String what) throws IOException {
        NpyArray a = readChecked(file);
        if (a.getShape().length != 1 || a.getShape()[0] != n) {
            throw new IOException(file + ": " + what + " must be 1-D of length " + n + " (the feature rows), shape is "
                    + Arrays.toString(a.getShape()));
        }
        long[] values;
        Object data = a.getData();
        if (data instanceof int[] ints) {
            values = Arrays.stream(ints).asLongStream().toArray();
        } else if (data instanceof long[] longs) {
            values = longs;
        } else {
            throw new IOException(file + ": " + what + " must be int32 or int64, found " + data.getClass().getSimpleName());
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (values[i] < 0 || values[i] > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + what + " value " + values[i] + " at index " + i + " is negative or too large");
            }
            out[i] = (int) values[i];
        }
        return out;
    }

    /** Reads a file after checking its header for Fortran order. */
    private static NpyArray readChecked(Path file) throws IOException {
        if (header(file).replace(" ", "").contains("'fortran_order':True")) {
            throw new IOException(file + ": the array is stored in Fortran (column-major) order, which cma4j does not read; "
                    + "save it in C order, e.g. np.save(path, np.ascontiguousarray(x))");
        }
        try {
            return NpyFile.read(file, Integer.MAX_VALUE);
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a readable .npy file: " + e.getMessage(), e);
        }
    }

    /** The header dictionary text of an .npy file (format versions 1–3). */
    static String header(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(8);
            if (magic.length < 8 || (magic[0] & 0xFF) != 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
                throw new IOException(file + ": not an .npy file (bad magic)");
            }
            int major = magic[6];
            byte[] lenBytes = in.readNBytes(major == 1 ? 2 : 4);
            ByteBuffer len = ByteBuffer.wrap(Arrays.copyOf(lenBytes, 4)).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = major == 1 ? len.getShort() & 0xFFFF : len.getInt();
            byte[] header = in.readNBytes(headerLength);
            if (header.length < headerLength) {
                throw new IOException(file + ": truncated .npy header");
            }
            return new String(header, StandardCharsets.ISO_8859_1);
        }
    }
}
