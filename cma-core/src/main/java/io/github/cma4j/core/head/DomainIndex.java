package io.github.cma4j.core.head;

import java.util.Arrays;

/**
 * Which rows of a batch belong to which domain, for the domains <em>present</em> in the batch.
 * <p>
 * Domain ids are arbitrary non-negative integers; the domains present are numbered by <em>slot</em>
 * {@code 0..E-1} in increasing order of id. Every per-domain quantity in cma4j (G_e, H_e, the penalties'
 * means) runs over slots, so a domain absent from the batch is simply not counted and no code ever divides
 * by a domain size of zero (docs/math.md §6, edge cases).
 */
public final class DomainIndex {
    private final int[] domainIds;
    private final int[] slotOfRow;
    private final int[][] rowsOfSlot;

    private DomainIndex(int[] domainIds, int[] slotOfRow, int[][] rowsOfSlot) {
        this.domainIds = domainIds;
        this.slotOfRow = slotOfRow;
        this.rowsOfSlot = rowsOfSlot;
    }

    /**
     * Indexes a vector of per-row domain ids.
     *
     * @param domains one domain id per row, each {@code >= 0}. Not modified.
     * @return the index.
     * @throws IllegalArgumentException if {@code domains} is empty or holds a negative id (named by row).
     */
    public static DomainIndex of(int[] domains) {
        if (domains == null || domains.length == 0) {
            throw new IllegalArgumentException("domain ids are empty: a batch needs at least one row");
        }
        for (int i = 0; i < domains.length; i++) {
            if (domains[i] < 0) {
                throw new IllegalArgumentException("domain id " + domains[i] + " at row " + i + " is negative");
            }
        }
        int[] ids = Arrays.stream(domains).distinct().sorted().toArray();
        int[] counts = new int[ids.length];
        int[] slotOfRow = new int[domains.length];
        for (int i = 0; i < domains.length; i++) {
            int slot = Arrays.binarySearch(ids, domains[i]);
            slotOfRow[i] = slot;
            counts[slot]++;
        }
        int[][] rows = new int[ids.length][];
        for (int s = 0; s < ids.length; s++) {
            rows[s] = new int[counts[s]];
        }
        int[] fill = new int[ids.length];
        for (int i = 0; i < domains.length; i++) {
            int s = slotOfRow[i];
            rows[s][fill[s]++] = i;
        }
        return new DomainIndex(ids, slotOfRow, rows);
    }

    /** @return E, the number of domains present. */
    public int numDomains() {
        return domainIds.length;
    }

    /** @return n, the number of rows. */
    public int numRows() {
        return slotOfRow.length;
    }

    /**
     * @param slot a slot in {@code [0, E)}.
     * @return the original domain id of that slot.
     */
    public int domainId(int slot) {
        return domainIds[slot];
    }

    /**
     * @param slot a slot in {@code [0, E)}.
     * @return n_e, the number of rows of that domain (always {@code >= 1}).
     */
    public int size(int slot) {
        return rowsOfSlot[slot].length;
    }

    /**
     * @param slot a slot in {@code [0, E)}.
     * @return the row indices of that domain, ascending. The returned array is shared: do not modify it.
     */
    public int[] rows(int slot) {
        return rowsOfSlot[slot];
    }
}
