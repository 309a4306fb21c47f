package io.github.cma4j.datasets.io;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Maps the text values of a label, domain or group column to dense ids, in a deterministic order: numeric order
 * when every value is an integer (so "2" &lt; "10"), else lexicographic.
 */
final class Vocabulary {
    private Vocabulary() {
    }

    /** @return value → id, ids 0..k−1 in sorted order. */
    static Map<String, Integer> of(Iterable<String> values) {
        TreeSet<String> distinct = new TreeSet<>();
        values.forEach(distinct::add);
        List<String> sorted = new ArrayList<>(distinct);
        if (sorted.stream().allMatch(Vocabulary::isInteger)) {
            sorted.sort(Comparator.comparingLong(Long::parseLong));
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String s : sorted) {
            ids.put(s, ids.size());
        }
        return ids;
    }

    private static boolean isInteger(String s) {
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
