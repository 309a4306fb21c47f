package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.DatasetProvenance;
import io.github.cma4j.datasets.MultiDomainDataset;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a CSV or TSV file (commons-csv; {@code .gz} is gunzipped, a UTF-8 byte-order mark skipped) with a header row: a label column, a domain column, optionally a group
 * column, and every other column a numeric feature (in header order). A missing or non-numeric feature value, a
 * missing label or domain, or a row with the wrong number of fields is an {@link IOException} naming the file, the
 * line and the column. Labels, domains and groups are given dense ids in sorted order (numeric if all integers).
 */
public final class CsvDomainReader {
    private CsvDomainReader() {
    }

    /**
     * Which columns hold what.
     *
     * @param labelColumn  the label column's header.
     * @param domainColumn the domain column's header.
     * @param groupColumn  the group column's header, or null.
     * @param delimiter    the field separator, or null to infer it from the extension ({@code .tsv} → tab, else comma).
     * @param features     the feature columns, in this order, or null for every other column in header order.
     */
    public record Options(String labelColumn, String domainColumn, String groupColumn, Character delimiter, List<String> features) {
        /** The options with every other column a feature. */
        public Options(String labelColumn, String domainColumn, String groupColumn, Character delimiter) {
            this(labelColumn, domainColumn, groupColumn, delimiter, null);
        }

        /** @return label column {@code label}, domain column {@code domain}, no groups, delimiter by extension. */
        public static Options defaults() {
            return new Options("label", "domain", null, null, null);
        }
    }

    /**
     * @param file    the file.
     * @param options which columns hold what.
     * @return the dataset.
     * @throws IOException naming the file, line and column of the first defect.
     */
    public static MultiDomainDataset read(Path file, Options options) throws IOException {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).replaceFirst("\\.gz$", "");
        char delimiter = options.delimiter() != null ? options.delimiter() : name.endsWith(".tsv") ? '\t' : ',';
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true)
                .setTrim(true).setIgnoreEmptyLines(true).get();
        List<String> labels = new ArrayList<>();
        List<String> domains = new ArrayList<>();
        List<String> groups = options.groupColumn() == null ? null : new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        List<String> featureColumns = new ArrayList<>();
        try (Reader reader = open(file);
             CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty()) {
                throw new IOException(file + ": the file is empty; a CSV needs a header row naming its columns ("
                        + options.labelColumn() + ", " + options.domainColumn() + " and the features)");
            }
            for (String required : new String[]{options.labelColumn(), options.domainColumn(), options.groupColumn()}) {
                if (required != null && !header.contains(required)) {
                    throw new IOException(file + ": no column '" + required + "'; the header has " + header);
                }
            }
            int[] featureIndex = new int[header.size()];
            int numFeatures = 0;
            if (options.features() != null) {
                for (String column : options.features()) {
                    int j = header.indexOf(column);
                    if (j < 0) {
                        throw new IOException(file + ": no feature column '" + column + "'; the header has " + header);
                    }
                    if (featureColumns.contains(column)) {
                        throw new IOException(file + ": feature column '" + column + "' is chosen twice");
                    }
                    featureIndex[numFeatures++] = j;
                    featureColumns.add(column);
                }
            } else {
                for (int j = 0; j < header.size(); j++) {
                    String h = header.get(j);
                    if (!h.equals(options.labelColumn()) && !h.equals(options.domainColumn()) && !h.equals(options.groupColumn())) {
                        featureIndex[numFeatures++] = j;
                        featureColumns.add(h);
                    }
                }
            }
            if (numFeatures == 0) {
                throw new IOException(file + ": no feature columns besides label, domain and group");
            }
            for (CSVRecord record : parser) {
                long line = parser.getCurrentLineNumber();
                if (record.size() != header.size()) {
                    throw new IOException(file + " line " + line + ": " + record.size() + " fields, the header has " + header.size());
                }
                float[] x = new float[numFeatures];
                for (int t = 0; t < numFeatures; t++) {
                    int j = featureIndex[t];
                    x[t] = parseFeature(file, line, header.get(j), j, record.get(j));
                }
                labels.add(required(file, line, options.labelColumn(), record.get(options.labelColumn())));
                domains.add(required(file, line, options.domainColumn(), record.get(options.domainColumn())));
                if (groups != null) {
                    groups.add(required(file, line, options.groupColumn(), record.get(options.groupColumn())));
                }
                rows.add(x);
            }
        } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IOException(file + ": malformed CSV: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": no data rows");
        }
        Map<String, Integer> labelIds = Vocabulary.of(labels);
        Map<String, Integer> domainIds = Vocabulary.of(domains);
        Map<String, Integer> groupIds = groups == null ? null : Vocabulary.of(groups);
        int n = rows.size();
        int d = featureColumns.size();
        float[] f = new float[n * d];
        int[] y = new int[n];
        int[] dom = new int[n];
        int[] g = groups == null ? null : new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, f, i * d, d);
            y[i] = labelIds.get(labels.get(i));
            dom[i] = domainIds.get(domains.get(i));
            if (g != null) {
                g[i] = groupIds.get(groups.get(i));
            }
        }
        if (labelIds.size() < 2) {
            throw new IOException(file + ": the label column '" + options.labelColumn() + "' has a single value "
                    + labelIds.keySet() + "; a classifier needs at least 2 classes");
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("label_column", options.labelColumn());
        params.put("domain_column", options.domainColumn());
        params.put("group_column", String.valueOf(options.groupColumn()));
        params.put("features", String.join(",", featureColumns));
        Map<String, String> sources = Map.of(file.toString(), IdxReader.sha256(Files.readAllBytes(file)));
        return new MultiDomainDataset(file.getFileName().toString(), f, d, y, dom, g, List.copyOf(domainIds.keySet()),
                List.copyOf(labelIds.keySet()), new int[]{d}, new DatasetProvenance("csv", params, 0, sources))
                .withFeatureNames(featureColumns);
    }

    /** A decimal number as people write it: no Java suffixes ({@code 3f}, {@code 2d}), no hexadecimal. */
    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final java.util.regex.Pattern NON_FINITE =
            java.util.regex.Pattern.compile("[+-]?(nan|inf|infinity)", java.util.regex.Pattern.CASE_INSENSITIVE);

    private static float parseFeature(Path file, long line, String column, int index, String value) throws IOException {
        String where = file + " line " + line + ", column '" + column + "' (" + (index + 1) + "): ";
        if (value.isEmpty()) {
            throw new IOException(where + "missing value");
        }
        if (NON_FINITE.matcher(value).matches()) {
            throw new IOException(where + "'" + value + "' is not finite");
        }
        if (!NUMBER.matcher(value).matches()) {
            throw new IOException(where + "'" + value + "' is not a number");
        }
        double v = Double.parseDouble(value);
        if (Double.isInfinite(v) || Math.abs(v) > Float.MAX_VALUE) {
            throw new IOException(where + "'" + value + "' overflows float32 (largest " + Float.MAX_VALUE + ")");
        }
        return (float) v;
    }

    /** A UTF-8 reader of the file, gunzipped for {@code .gz}, without a leading byte-order mark. */
    private static Reader open(Path file) throws IOException {
        java.io.InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gz")) {
            try {
                in = new java.util.zip.GZIPInputStream(in, 1 << 16);
            } catch (IOException e) {
                in.close();
                throw new IOException(file + ": not a gzip file: " + e.getMessage(), e);
            }
        }
        java.io.PushbackReader reader = new java.io.PushbackReader(
                new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8)), 1);
        int first = reader.read();
        if (first != -1 && first != '\uFEFF') {
            reader.unread(first);
        }
        return reader;
    }

    private static String required(Path file, long line, String column, String value) throws IOException {
        if (value.isEmpty()) {
            throw new IOException(file + " line " + line + ", column '" + column + "': missing value");
        }
        return value;
    }
}
