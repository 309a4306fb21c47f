package io.github.cma4j.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.col;

/**
 * A DataFrame's rows as {@link DomainRow}s, with every check the single-machine readers make: a missing or mistyped
 * column, a null domain or feature vector, a label that is not 0, 1, …, C−1, a non-finite feature, a vector of another
 * width, no rows. Errors name the column and the row's domain value.
 */
final class DomainFrames {
    private DomainFrames() {
    }

    /**
     * @param rows       the rows, domain ids in the order of {@code domains}.
     * @param domains    the domain values, sorted (as strings).
     * @param numClasses C (the largest label + 1).
     * @param width      D, with the intercept column if there is one.
     * @param counts     rows per domain.
     */
    record Prepared(JavaRDD<DomainRow> rows, List<String> domains, int numClasses, int width, long[] counts) {
    }

    private static final List<DataType> DOMAIN_TYPES = List.of(DataTypes.StringType, DataTypes.IntegerType,
            DataTypes.LongType, DataTypes.ShortType, DataTypes.ByteType);

    static Prepared prepare(Dataset<?> data, String featuresCol, String labelCol, String domainCol, boolean intercept) {
        StructField domainField = field(data, domainCol, "domain");
        if (!DOMAIN_TYPES.contains(domainField.dataType())) {
            throw new IllegalArgumentException("domain column '" + domainCol + "' has type " + domainField.dataType().simpleString()
                    + "; it must be string or integer (cast it, or index it with StringIndexer's input column)");
        }
        StructField featuresField = field(data, featuresCol, "features");
        if (!(featuresField.dataType() instanceof VectorUDT)) {
            throw new IllegalArgumentException("features column '" + featuresCol + "' has type "
                    + featuresField.dataType().simpleString() + "; it must be a vector (use VectorAssembler)");
        }
        field(data, labelCol, "label");
        Map<String, Long> counts = new TreeMap<>();
        long nulls = 0;
        for (Row r : unwrap(() -> data.groupBy(col(domainCol)).count().collectAsList())) {
            if (r.isNullAt(0)) {
                nulls = r.getLong(1);
            } else {
                counts.put(String.valueOf(r.get(0)), r.getLong(1));
            }
        }
        if (nulls > 0) {
            throw new IllegalArgumentException(nulls + " row(s) have no value (null) in domain column '" + domainCol
                    + "'; every row needs its domain");
        }
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("the training data has no rows");
        }
        List<String> domains = new ArrayList<>(counts.keySet());
        Map<String, Integer> ids = new HashMap<>();
        for (int e = 0; e < domains.size(); e++) {
            ids.put(domains.get(e), e);
        }
        Row first = unwrap(() -> data.select(col(featuresCol)).where(col(featuresCol).isNotNull()).first());
        int width = ((Vector) first.get(0)).size() + (intercept ? 1 : 0);
        Row max = unwrap(() -> data.agg(org.apache.spark.sql.functions.max(col(labelCol).cast("double"))).first());
        if (max.isNullAt(0)) {
            throw new IllegalArgumentException("label column '" + labelCol + "' is null in every row");
        }
        int numClasses = (int) Math.max(2, Math.floor(max.getDouble(0)) + 1);
        JavaRDD<DomainRow> rows = data.select(col(featuresCol), col(labelCol).cast("double"), col(domainCol)).toJavaRDD()
                .map(r -> row(r, ids, featuresCol, labelCol, domainCol, width, intercept, numClasses));
        long[] perDomain = domains.stream().mapToLong(counts::get).toArray();
        return new Prepared(rows, domains, numClasses, width, perDomain);
    }

    private static StructField field(Dataset<?> data, String name, String role) {
        if (!Arrays.asList(data.columns()).contains(name)) {
            throw new IllegalArgumentException("no " + role + " column '" + name + "'; the columns are " + Arrays.toString(data.columns()));
        }
        return data.schema().apply(name);
    }

    private static DomainRow row(Row r, Map<String, Integer> ids, String featuresCol, String labelCol, String domainCol,
                                 int width, boolean intercept, int numClasses) {
        String domain = String.valueOf(r.get(2));
        String where = "a row of domain '" + domain + "' (column '" + domainCol + "')";
        if (r.isNullAt(0)) {
            throw new IllegalArgumentException(where + " has no features (null in '" + featuresCol + "')");
        }
        if (r.isNullAt(1)) {
            throw new IllegalArgumentException(where + " has no label (null in '" + labelCol + "')");
        }
        double label = r.getDouble(1);
        if (label < 0 || label != Math.rint(label) || label >= numClasses) {
            throw new IllegalArgumentException(where + " has label " + label + " in '" + labelCol
                    + "'; labels must be 0, 1, …, C−1 (StringIndexer makes them)");
        }
        double[] x = ((Vector) r.get(0)).toArray();
        int expected = width - (intercept ? 1 : 0);
        if (x.length != expected) {
            throw new IllegalArgumentException(where + " has " + x.length + " values in '" + featuresCol + "', another row "
                    + expected);
        }
        for (int j = 0; j < x.length; j++) {
            if (!Double.isFinite(x[j])) {
                throw new IllegalArgumentException(where + " has " + x[j] + " at index " + j + " of '" + featuresCol + "'");
            }
        }
        if (intercept) {
            x = Arrays.copyOf(x, width);
            x[width - 1] = 1.0;
        }
        return new DomainRow(x, (int) label, ids.get(domain));
    }

    /**
     * Runs a Spark action, turning a task's IllegalArgumentException (wrapped by Spark in a SparkException) back
     * into itself, so that the caller sees the message that names the row.
     */
    static <T> T unwrap(Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) {         // Scala throws SparkException (checked in Java) without declaring it
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t instanceof IllegalArgumentException iae) {
                    throw new IllegalArgumentException(iae.getMessage(), e);
                }
            }
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e.getMessage(), e);
        }
    }
}
