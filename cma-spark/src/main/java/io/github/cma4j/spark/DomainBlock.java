package io.github.cma4j.spark;

import org.apache.spark.api.java.JavaRDD;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Up to {@link #ROWS} rows of one domain, features row-major: the unit the per-domain sums are computed on, so that
 * the D×D products run as tiled matrix products rather than row by row.
 *
 * @param domain   the domain id, in [0, E).
 * @param labels   the rows' labels, in [0, C).
 * @param features the rows' x̃, labels.length × width, row-major.
 * @param width    D.
 */
public record DomainBlock(int domain, int[] labels, double[] features, int width) implements Serializable {
    /** Rows per block: a block's √weight-scaled copy (D × rows) stays within L2 for D = 256. */
    public static final int ROWS = 512;

    /** @return the number of rows. */
    public int size() {
        return labels.length;
    }

    /**
     * Groups each partition's rows into blocks by domain, checking every row.
     *
     * @param rows       the rows.
     * @param numClasses C.
     * @param numDomains E.
     * @return the blocks (lazy; cache it when it is used more than once).
     * @throws IllegalArgumentException (when evaluated) naming the domain of a row that has the wrong width, a label
     *                                  or domain out of range, or a non-finite feature.
     */
    public static JavaRDD<DomainBlock> of(JavaRDD<DomainRow> rows, int numClasses, int numDomains, int width) {
        return rows.mapPartitions(it -> group(it, numClasses, numDomains, width));
    }

    static Iterator<DomainBlock> group(Iterator<DomainRow> rows, int numClasses, int numDomains, int width) {
        Map<Integer, List<DomainRow>> open = new LinkedHashMap<>();
        List<DomainBlock> out = new ArrayList<>();
        while (rows.hasNext()) {
            DomainRow r = rows.next();
            check(r, numClasses, numDomains, width);
            List<DomainRow> pending = open.computeIfAbsent(r.domain(), e -> new ArrayList<>());
            pending.add(r);
            if (pending.size() == ROWS) {
                out.add(pack(pending, width));
                pending.clear();
            }
        }
        for (List<DomainRow> pending : open.values()) {
            if (!pending.isEmpty()) {
                out.add(pack(pending, width));
            }
        }
        return out.iterator();
    }

    static void check(DomainRow r, int numClasses, int numDomains, int width) {
        double[] x = r.features();
        if (x.length != width) {
            throw new IllegalArgumentException("a row of domain " + r.domain() + " has " + x.length + " features, the head " + width);
        }
        if (r.label() < 0 || r.label() >= numClasses || r.domain() < 0 || r.domain() >= numDomains) {
            throw new IllegalArgumentException("a row has label " + r.label() + " (classes 0.." + (numClasses - 1)
                    + ") and domain " + r.domain() + " (domains 0.." + (numDomains - 1) + ")");
        }
        for (int j = 0; j < x.length; j++) {
            if (!Double.isFinite(x[j])) {
                throw new IllegalArgumentException("a row of domain " + r.domain() + " has non-finite features: feature "
                        + j + " is " + x[j]);
            }
        }
    }

    private static DomainBlock pack(List<DomainRow> rows, int width) {
        int[] labels = new int[rows.size()];
        double[] x = new double[rows.size() * width];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rows.get(i).label();
            System.arraycopy(rows.get(i).features(), 0, x, i * width, width);
        }
        return new DomainBlock(rows.get(0).domain(), labels, x, width);
    }
}
