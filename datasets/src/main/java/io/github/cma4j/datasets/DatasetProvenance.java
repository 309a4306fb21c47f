package io.github.cma4j.datasets;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a dataset came from: the recipe that built it, its parameters, the seed, and every source file with the
 * SHA-256 of its (decompressed) content. Two datasets with equal provenance hold identical data.
 *
 * @param recipe      the builder or reader, e.g. {@code ColoredFashionMNIST} or {@code csv}.
 * @param parameters  the recipe's settings as text, in a stable order.
 * @param seed        the data seed (0 where the recipe is deterministic).
 * @param sourceFiles source file path → SHA-256 (hex).
 */
public record DatasetProvenance(String recipe, Map<String, String> parameters, long seed, Map<String, String> sourceFiles) {

    /** Copies the maps. */
    public DatasetProvenance {
        if (recipe == null || recipe.isBlank()) {
            throw new IllegalArgumentException("provenance needs a recipe name");
        }
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        sourceFiles = Collections.unmodifiableMap(new LinkedHashMap<>(sourceFiles));
    }

    /** @return provenance of a generated dataset with no source files. */
    public static DatasetProvenance generated(String recipe, Map<String, String> parameters, long seed) {
        return new DatasetProvenance(recipe, parameters, seed, Map.of());
    }
}
