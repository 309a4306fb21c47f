package io.github.cma4j.experiments;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.build.ColoredFashionMnist;
import io.github.cma4j.datasets.build.LinearUnitTests;
import io.github.cma4j.datasets.build.RotatedFashionMnist;
import io.github.cma4j.datasets.build.SpuriousFeatureSuite;
import io.github.cma4j.datasets.fashion.FashionMnist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The datasets the command-line tool and sweeps know by name. Generated datasets are seeded with the trial seed;
 * the Fashion-MNIST ones need the files (see {@link FashionMnist#locate}).
 */
public final class DatasetCatalog {
    private DatasetCatalog() {
    }

    /**
     * A named dataset.
     *
     * @param name        registry name.
     * @param description one line.
     * @param needsFashionMnist whether it is built from Fashion-MNIST.
     * @param defaultTestEnvs the usual test domains.
     */
    public record Entry(String name, String description, boolean needsFashionMnist, List<String> defaultTestEnvs) {
    }

    /** Every dataset. */
    public static final List<Entry> ENTRIES = List.of(
            new Entry("SpuriousFeatures", "linear probing with a spurious attribute (2 training domains, balanced val/test)",
                    false, List.of("val", "test")),
            new Entry("ColoredFashionMNIST", "DomainBed's ColoredMNIST recipe on Fashion-MNIST, 2x28x28", true, List.of("-90%")),
            new Entry("ColoredFashionMNIST14", "the same at 2x14x14", true, List.of("-90%")),
            new Entry("RotatedFashionMNIST", "DomainBed's RotatedMNIST recipe on Fashion-MNIST, 6 angles", true, List.of("0")),
            new Entry("LinearExample1", "linear unit test 1: cause and effect (binarised)", false, List.of("E0-test", "E1-test", "E2-test")),
            new Entry("LinearExample2", "linear unit test 2: cows and camels", false, List.of("E0-test", "E1-test", "E2-test")),
            new Entry("LinearExample3", "linear unit test 3: small invariant margin", false, List.of("E0-test", "E1-test", "E2-test")));

    /**
     * @param name a registry name (case-insensitive).
     * @return its entry.
     * @throws IllegalArgumentException listing the valid names.
     */
    public static Entry get(String name) {
        java.util.Optional<Entry> builtIn = ENTRIES.stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
        if (builtIn.isPresent()) {
            return builtIn.get();
        }
        if (UserData.isPath(name)) {
            // a user's data: every domain is a default test domain, as DomainBed's sweeps hold each one out in turn
            return new Entry(name, "your data", false, UserData.load(name).domainNames());
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "': neither a built-in dataset "
                + ENTRIES.stream().map(Entry::name).toList() + " nor an existing file or directory (a CSV, a directory of "
                + ".npy arrays, an image tree)");
    }

    /**
     * Builds a dataset.
     *
     * @param name      registry name.
     * @param trialSeed data seed.
     * @param dataDir   Fashion-MNIST directory, or null to search the usual places.
     * @return the dataset.
     * @throws UncheckedIOException if Fashion-MNIST is needed and cannot be found or verified.
     */
    public static MultiDomainDataset load(String name, long trialSeed, Path dataDir) {
        if (ENTRIES.stream().noneMatch(e -> e.name().equalsIgnoreCase(name)) && UserData.isPath(name)) {
            return UserData.load(name);       // the user's data does not depend on the trial seed
        }
        Entry entry = get(name);
        try {
            return switch (entry.name()) {
                case "SpuriousFeatures" -> SpuriousFeatureSuite.build(SpuriousFeatureSuite.Params.defaults(), trialSeed);
                case "ColoredFashionMNIST" -> ColoredFashionMnist.domainBed(pool(dataDir), trialSeed, ColoredFashionMnist.Resolution.FULL);
                case "ColoredFashionMNIST14" -> ColoredFashionMnist.domainBed(pool(dataDir), trialSeed, ColoredFashionMnist.Resolution.HALF);
                case "RotatedFashionMNIST" -> RotatedFashionMnist.build(pool(dataDir), trialSeed);
                default -> LinearUnitTests.build(LinearUnitTests.Example.valueOf(
                        entry.name().substring("Linear".length()).toUpperCase(Locale.ROOT)), 5, 5, 3, 1000, false, trialSeed);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FashionMnist.Pool pool(Path dataDir) throws IOException {
        return FashionMnist.load(FashionMnist.locate(dataDir));
    }
}
