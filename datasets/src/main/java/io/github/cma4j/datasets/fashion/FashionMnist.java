package io.github.cma4j.datasets.fashion;

import io.github.cma4j.datasets.io.IdxReader;
import io.github.cma4j.datasets.io.IdxReader.IdxArray;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Fashion-MNIST (Zalando, MIT licence), found offline and verified.
 * <p>
 * <b>Where it looks</b>, in order: an explicit directory; the environment variable {@value #ENV_VAR}; the
 * directory where Debian's {@code dataset-fashion-mnist} package installed the files (asked of
 * {@code dpkg -L dataset-fashion-mnist}); the download cache ({@value #CACHE_ENV_VAR}, else
 * {@code ~/.cache/cma4j/fashion-mnist}). Each file may be gzipped ({@code name.gz}) or not.
 * <p>
 * <b>What it checks</b>: magic numbers, dimensions and counts (via {@link IdxReader}) and the SHA-256 of each
 * file's decompressed bytes against {@link Manifest#OFFICIAL}. A missing, corrupt or truncated file is an
 * {@link IOException} naming the file and the problem; nothing partial is returned.
 */
public final class FashionMnist {
    /** Environment variable naming a directory that holds the four files. */
    public static final String ENV_VAR = "CMA4J_FASHION_MNIST";
    /** Environment variable naming the download cache root. */
    public static final String CACHE_ENV_VAR = "CMA4J_CACHE";
    /** Debian package that ships the files. */
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";
    /** Class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * One expected file: its name (without {@code .gz}), the SHA-256 of its decompressed bytes, its decompressed
     * size, and the IDX dimension count.
     *
     * @param name   file name, e.g. {@code train-images-idx3-ubyte}.
     * @param sha256 lower-case hex.
     * @param bytes  decompressed size.
     * @param dims   number of IDX dimensions (3 for images, 1 for labels).
     */
    public record ExpectedFile(String name, String sha256, long bytes, int dims) {
    }

    /**
     * The four files of a Fashion-MNIST-format dataset.
     *
     * @param trainImages training images.
     * @param trainLabels training labels.
     * @param testImages  test images.
     * @param testLabels  test labels.
     */
    public record Manifest(ExpectedFile trainImages, ExpectedFile trainLabels, ExpectedFile testImages, ExpectedFile testLabels) {
        /** The official Fashion-MNIST release. */
        public static final Manifest OFFICIAL = new Manifest(
                new ExpectedFile("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47_040_016L, 3),
                new ExpectedFile("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60_008L, 1),
                new ExpectedFile("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7_840_016L, 3),
                new ExpectedFile("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10_008L, 1));

        /** @return the four files in the order train images, train labels, test images, test labels. */
        public List<ExpectedFile> files() {
            return List.of(trainImages, trainLabels, testImages, testLabels);
        }
    }

    /**
     * The verified images and labels: training set first, then the test set.
     *
     * @param images     n × rows × cols unsigned bytes (use {@code & 0xFF}).
     * @param labels     n labels 0..9.
     * @param numTrain   how many of the n come from the training file.
     * @param rows       image height.
     * @param cols       image width.
     * @param directory  the directory read.
     * @param sha256s    file name → SHA-256 of its decompressed bytes.
     */
    public record Pool(byte[] images, byte[] labels, int numTrain, int rows, int cols, Path directory, Map<String, String> sha256s) {
        /** @return the number of images. */
        public int size() {
            return labels.length;
        }

        /** @return pixel (r, c) of image i in [0, 255]. */
        public int pixel(int i, int r, int c) {
            return images[(i * rows + r) * cols + c] & 0xFF;
        }
    }

    /**
     * Finds the directory holding the official files.
     *
     * @param explicitDir a directory the user named, or null.
     * @return the first location that holds all four files.
     * @throws IOException listing every location tried and how to get the data.
     */
    public static Path locate(Path explicitDir) throws IOException {
        if (explicitDir != null) {
            // a directory the user named is used or refused, never replaced by another copy
            Path dir = explicitDir.toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new IOException("--data-dir " + explicitDir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory")
                        + " (" + dir + ")");
            }
            List<String> missing = missingFiles(dir, Manifest.OFFICIAL);
            if (!missing.isEmpty()) {
                throw new IOException("--data-dir " + dir + " does not hold Fashion-MNIST: missing " + String.join(", ", missing)
                        + " (each may be gzipped)");
            }
            return dir;
        }
        List<String> tried = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv(ENV_VAR)).filter(s -> !s.isBlank()).map(Path::of).ifPresent(candidates::add);
        debianDirectory().ifPresent(candidates::add);
        candidates.add(defaultCacheDirectory());
        for (Path dir : candidates) {
            List<String> missing = missingFiles(dir, Manifest.OFFICIAL);
            if (missing.isEmpty()) {
                return dir;
            }
            tried.add(dir + " (missing " + String.join(", ", missing) + ")");
        }
        throw new IOException("Fashion-MNIST not found. Tried:\n  " + String.join("\n  ", tried)
                + "\nTo get it: install the Debian package (apt-get install " + DEBIAN_PACKAGE + "), or set "
                + ENV_VAR + " to a directory holding the four files (gzipped or not), or download it into the cache with "
                + "'./cma4j datasets --download'.");
    }

    /**
     * Loads and verifies the official files from a directory.
     *
     * @param dir the directory.
     * @return the pool of 70,000 images.
     * @throws IOException naming the file and what is wrong.
     */
    public static Pool load(Path dir) throws IOException {
        return load(dir, Manifest.OFFICIAL);
    }

    /**
     * Loads files of the Fashion-MNIST format and verifies them against a manifest.
     *
     * @param dir      the directory.
     * @param manifest the expected files.
     * @return the pool.
     * @throws IOException naming the file and what is wrong.
     */
    public static Pool load(Path dir, Manifest manifest) throws IOException {
        Map<String, String> shas = new LinkedHashMap<>();
        IdxArray[] arrays = new IdxArray[4];
        List<ExpectedFile> files = manifest.files();
        for (int k = 0; k < 4; k++) {
            ExpectedFile f = files.get(k);
            Path path = fileIn(dir, f.name()).orElseThrow(() -> new IOException(dir.resolve(f.name())
                    + " (or .gz) not found"));
            arrays[k] = IdxReader.read(path, f.dims());
            if (!arrays[k].sha256().equals(f.sha256())) {
                throw new IOException(path + ": SHA-256 of the decompressed bytes is " + arrays[k].sha256() + ", expected "
                        + f.sha256() + " (the file is corrupt or not the official release)");
            }
            shas.put(path.getFileName().toString(), arrays[k].sha256());
        }
        IdxArray trainImages = arrays[0], trainLabels = arrays[1], testImages = arrays[2], testLabels = arrays[3];
        if (trainImages.count() != trainLabels.count() || testImages.count() != testLabels.count()) {
            throw new IOException(dir + ": image and label counts differ (train " + trainImages.count() + "/"
                    + trainLabels.count() + ", test " + testImages.count() + "/" + testLabels.count() + ")");
        }
        int rows = trainImages.dims()[1], cols = trainImages.dims()[2];
        if (testImages.dims()[1] != rows || testImages.dims()[2] != cols) {
            throw new IOException(dir + ": train images are " + rows + "x" + cols + " but test images "
                    + testImages.dims()[1] + "x" + testImages.dims()[2]);
        }
        byte[] images = new byte[trainImages.data().length + testImages.data().length];
        System.arraycopy(trainImages.data(), 0, images, 0, trainImages.data().length);
        System.arraycopy(testImages.data(), 0, images, trainImages.data().length, testImages.data().length);
        byte[] labels = new byte[trainLabels.count() + testLabels.count()];
        System.arraycopy(trainLabels.data(), 0, labels, 0, trainLabels.count());
        System.arraycopy(testLabels.data(), 0, labels, trainLabels.count(), testLabels.count());
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 9) {
                throw new IOException(dir + ": label " + labels[i] + " of image " + i + " is outside 0..9");
            }
        }
        return new Pool(images, labels, trainLabels.count(), rows, cols, dir, shas);
    }

    /**
     * Downloads the files into a cache directory, verifying each before it is moved into place (a failed or
     * corrupt download leaves nothing behind).
     *
     * @param cacheDir destination directory (created if needed).
     * @param baseUrl  URL prefix; each file is fetched from {@code baseUrl + name + ".gz"}.
     * @param manifest the expected files.
     * @return the directory, now holding the verified files.
     * @throws IOException naming the file and what went wrong.
     */
    public static Path download(Path cacheDir, String baseUrl, Manifest manifest) throws IOException {
        Files.createDirectories(cacheDir);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (ExpectedFile f : manifest.files()) {
            Path target = cacheDir.resolve(f.name() + ".gz");
            if (Files.exists(target) && IdxReader.sha256(IdxReader.decompressedBytes(target)).equals(f.sha256())) {
                continue;
            }
            String url = baseUrl + f.name() + ".gz";
            Path tmp = Files.createTempFile(cacheDir, f.name(), ".part");
            try {
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofMinutes(10)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    throw new IOException(url + ": HTTP " + response.statusCode());
                }
                try (InputStream in = response.body()) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                String sha;
                try {
                    sha = IdxReader.sha256(IdxReader.decompressedBytes(tmp));
                } catch (IOException e) {
                    throw new IOException(url + ": the downloaded file is damaged (" + e.getMessage() + ")", e);
                }
                if (!sha.equals(f.sha256())) {
                    throw new IOException(url + ": downloaded file has SHA-256 " + sha + ", expected " + f.sha256());
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(url + ": interrupted", e);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return cacheDir;
    }

    /** @return the download cache for Fashion-MNIST. */
    public static Path defaultCacheDirectory() {
        String root = System.getenv(CACHE_ENV_VAR);
        Path base = root != null && !root.isBlank() ? Path.of(root) : Path.of(System.getProperty("user.home"), ".cache", "cma4j");
        return base.resolve("fashion-mnist");
    }

    /** @return the directory holding the files of the Debian package, if it is installed. */
    public static Optional<Path> debianDirectory() {
        try {
            Process p = new ProcessBuilder("dpkg", "-L", DEBIAN_PACKAGE).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            return out.lines().filter(l -> l.endsWith("/" + Manifest.OFFICIAL.trainImages().name() + ".gz")
                            || l.endsWith("/" + Manifest.OFFICIAL.trainImages().name()))
                    .map(l -> Path.of(l).getParent()).findFirst();
        } catch (IOException e) {
            return Optional.empty();    // no dpkg on this system
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<Path> fileIn(Path dir, String name) {
        for (String candidate : new String[]{name, name + ".gz"}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static List<String> missingFiles(Path dir, Manifest manifest) {
        List<String> missing = new ArrayList<>();
        for (ExpectedFile f : manifest.files()) {
            if (fileIn(dir, f.name()).isEmpty()) {
                missing.add(f.name());
            }
        }
        return missing;
    }
}
