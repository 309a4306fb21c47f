package io.github.cma4j.experiments;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.io.CsvDomainReader;
import io.github.cma4j.datasets.io.ImageFolderReader;
import io.github.cma4j.datasets.io.NpyDomainReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A user's own multi-domain data, named by its path wherever a built-in dataset's name is accepted:
 * <ul>
 *     <li>a CSV or TSV file, gzipped or not ({@code .csv}, {@code .tsv}, {@code .csv.gz}): a label column, a domain
 *     column, optionally a group column, and the feature columns (all others, or the chosen ones);</li>
 *     <li>a directory of NumPy arrays: {@code features.npy} (n × d), {@code labels.npy}, {@code domains.npy} (n
 *     integers), optionally {@code groups.npy}, {@code classes.txt} and {@code domains.txt} (one name per line), as
 *     {@code cma4j embed} writes them; or one pair per domain, {@code <domain>.npy} and {@code <domain>.labels.npy}
 *     (and optionally {@code classes.txt});</li>
 *     <li>an image-folder tree {@code root/<domain>/<class>/*.png|jpg}, read at {@link Options#imageSize}.</li>
 * </ul>
 * A run records its data as a <em>spec</em>: the absolute path, followed by the options that differ from the
 * defaults ({@code /data/sites.csv?domain=site&features=age+bmi}), so that a record names exactly what was read
 * and a re-run from any directory reads the same file.
 */
public final class UserData {
    private static final int CACHE_SIZE = 2;
    private static final Map<String, MultiDomainDataset> CACHE = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MultiDomainDataset> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    private UserData() {
    }

    /**
     * How to read a user's data.
     *
     * @param labelColumn  the label column (CSV).
     * @param domainColumn the domain column (CSV).
     * @param groupColumn  the group column (CSV), or null.
     * @param features     the feature columns (CSV), or null for all other columns.
     * @param imageSize    width and height of images (image trees).
     */
    public record Options(String labelColumn, String domainColumn, String groupColumn, List<String> features, int imageSize) {
        /** @return label column {@code label}, domain column {@code domain}, no groups, every other column, 28 px. */
        public static Options defaults() {
            return new Options("label", "domain", null, null, 28);
        }
    }

    /**
     * @param name a dataset argument.
     * @return whether it names a file or directory rather than a built-in dataset.
     */
    public static boolean isPath(String name) {
        String path = name.contains("?") ? name.substring(0, name.indexOf('?')) : name;
        return Files.exists(Path.of(path));
    }

    /**
     * The spec of a path read with some options.
     *
     * @param path    the file or directory (resolved against the working directory).
     * @param options how to read it.
     * @return the absolute path, with the non-default options as a query.
     * @throws IllegalArgumentException if the path does not exist.
     */
    public static String spec(Path path, Options options) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!Files.exists(absolute)) {
            throw new IllegalArgumentException("--dataset " + path + ": no such file or directory (" + absolute + ")");
        }
        Options d = Options.defaults();
        List<String> query = new ArrayList<>();
        add(query, "label", options.labelColumn(), d.labelColumn());
        add(query, "domain", options.domainColumn(), d.domainColumn());
        add(query, "group", options.groupColumn(), d.groupColumn());
        if (options.features() != null) {
            query.add("features=" + String.join("+", options.features().stream().map(UserData::encode).toList()));
        }
        if (options.imageSize() != d.imageSize()) {
            query.add("image_size=" + options.imageSize());
        }
        return absolute + (query.isEmpty() ? "" : "?" + String.join("&", query));
    }

    private static void add(List<String> query, String key, String value, String defaultValue) {
        if (value != null && !value.equals(defaultValue)) {
            query.add(key + "=" + encode(value));
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Reads the data a spec names (cached: a sweep's runs share it).
     *
     * @param spec a spec from {@link #spec}, or a plain path.
     * @return the dataset.
     * @throws UncheckedIOException naming the file and what is wrong.
     */
    public static MultiDomainDataset load(String spec) {
        synchronized (CACHE) {
            MultiDomainDataset cached = CACHE.get(spec);
            if (cached != null) {
                return cached;
            }
        }
        MultiDomainDataset data;
        try {
            data = read(spec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (CACHE) {
            CACHE.putIfAbsent(spec, data);
            return CACHE.get(spec);
        }
    }

    private static MultiDomainDataset read(String spec) throws IOException {
        int q = spec.indexOf('?');
        Path path = Path.of(q < 0 ? spec : spec.substring(0, q));
        Options o = parseQuery(q < 0 ? "" : spec.substring(q + 1));
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isRegularFile(path)) {
            if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".csv.gz") || name.endsWith(".tsv.gz")) {
                return CsvDomainReader.read(path, new CsvDomainReader.Options(o.labelColumn(), o.domainColumn(),
                        o.groupColumn(), null, o.features()));
            }
            throw new IOException(path + ": not a CSV/TSV file (.csv, .tsv, .csv.gz); cma4j reads those, a directory of "
                    + ".npy arrays (features.npy, labels.npy, domains.npy) or an image tree (root/domain/class/*.png)");
        }
        if (Files.exists(path.resolve("features.npy"))) {
            return NpyDomainReader.read(path.resolve("features.npy"), required(path, "labels.npy"), required(path, "domains.npy"),
                    Files.exists(path.resolve("groups.npy")) ? path.resolve("groups.npy") : null,
                    names(path.resolve("classes.txt")), names(path.resolve("domains.txt")));
        }
        try (Stream<Path> children = Files.list(path)) {
            if (children.anyMatch(p -> p.getFileName().toString().endsWith(".labels.npy"))) {
                return NpyDomainReader.readPerDomain(path, names(path.resolve("classes.txt")));
            }
        }
        try (Stream<Path> children = Files.list(path)) {
            if (children.anyMatch(Files::isDirectory)) {
                return ImageFolderReader.read(path, o.imageSize(), o.imageSize(), false);
            }
        }
        throw new IOException(path + ": neither a directory of .npy arrays (features.npy, labels.npy, domains.npy, or "
                + "<domain>.npy with <domain>.labels.npy) nor an image tree (root/<domain>/<class>/*.png|jpg)");
    }

    private static Path required(Path dir, String file) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) {
            throw new IOException(dir + " has features.npy but no " + file);
        }
        return p;
    }

    private static List<String> names(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static Options parseQuery(String query) {
        Options d = Options.defaults();
        String label = d.labelColumn();
        String domain = d.domainColumn();
        String group = d.groupColumn();
        List<String> features = d.features();
        int imageSize = d.imageSize();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            String[] kv = pair.split("=", 2);
            String value = kv.length == 2 ? kv[1] : "";
            switch (kv[0]) {
                case "label" -> label = decode(value);
                case "domain" -> domain = decode(value);
                case "group" -> group = decode(value);
                case "features" -> features = Stream.of(value.split("\\+")).map(UserData::decode).toList();
                case "image_size" -> imageSize = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown data option '" + kv[0] + "' in " + query);
            }
        }
        return new Options(label, domain, group, features, imageSize);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
