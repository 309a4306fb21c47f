package io.github.cma4j.datasets.fashion;

import io.github.cma4j.datasets.io.IdxReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small Fashion-MNIST-format fixtures written by the tests (never downloaded, never committed). */
public final class FixturePool {
    private FixturePool() {
    }

    /**
     * Writes train/test image and label files of random content and returns the manifest that matches them.
     *
     * @param dir      destination.
     * @param numTrain training images.
     * @param numTest  test images.
     * @param gzip     gzip the files (name.gz) or not.
     * @param seed     content seed.
     * @return the matching manifest.
     */
    public static FashionMnist.Manifest write(Path dir, int numTrain, int numTest, boolean gzip, long seed) throws IOException {
        Random rng = new Random(seed);
        FashionMnist.Manifest official = FashionMnist.Manifest.OFFICIAL;
        byte[][] contents = {
                images(numTrain, rng), labels(numTrain, rng), images(numTest, rng), labels(numTest, rng)};
        int[][] dims = {{numTrain, 28, 28}, {numTrain}, {numTest, 28, 28}, {numTest}};
        FashionMnist.ExpectedFile[] files = new FashionMnist.ExpectedFile[4];
        for (int k = 0; k < 4; k++) {
            FashionMnist.ExpectedFile f = official.files().get(k);
            Path plain = dir.resolve(f.name());
            IdxReader.write(plain, dims[k], contents[k]);
            byte[] bytes = Files.readAllBytes(plain);
            if (gzip) {
                gzip(plain, dir.resolve(f.name() + ".gz"));
                Files.delete(plain);
            }
            files[k] = new FashionMnist.ExpectedFile(f.name(), IdxReader.sha256(bytes), bytes.length, f.dims());
        }
        return new FashionMnist.Manifest(files[0], files[1], files[2], files[3]);
    }

    /** Gzips a file. */
    public static void gzip(Path from, Path to) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
            Files.copy(from, out);
        }
    }

    private static byte[] images(int n, Random rng) {
        byte[] b = new byte[n * 784];
        rng.nextBytes(b);
        return b;
    }

    private static byte[] labels(int n, Random rng) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextInt(10);
        }
        return b;
    }
}
