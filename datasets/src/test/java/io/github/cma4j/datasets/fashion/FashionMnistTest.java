package io.github.cma4j.datasets.fashion;

import com.sun.net.httpserver.HttpServer;
import io.github.cma4j.datasets.io.IdxReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading, verification, location and download, on fixtures the test writes. */
class FashionMnistTest {
    @TempDir
    Path dir;

    @Test
    void loadsAndVerifiesGzippedOrPlainFiles() throws IOException {
        for (boolean gzip : new boolean[]{true, false}) {
            Path d = Files.createDirectories(dir.resolve("gz-" + gzip));
            FashionMnist.Manifest manifest = FixturePool.write(d, 12, 5, gzip, 3);
            FashionMnist.Pool pool = FashionMnist.load(d, manifest);
            assertEquals(17, pool.size());
            assertEquals(12, pool.numTrain());
            assertEquals(28, pool.rows());
            assertEquals(4, pool.sha256s().size());
            assertEquals(manifest.trainImages().sha256(), pool.sha256s().values().iterator().next());
        }
    }

    @Test
    void aChecksumMismatchNamesTheFile() throws IOException {
        FashionMnist.Manifest manifest = FixturePool.write(dir, 6, 3, true, 4);
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(dir));   // official checksums
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz: SHA-256 of the decompressed bytes is "
                + manifest.trainImages().sha256()), e.getMessage());
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        IOException missing = assertThrows(IOException.class, () -> FashionMnist.load(dir, manifest));
        assertTrue(missing.getMessage().contains("t10k-labels-idx1-ubyte (or .gz) not found"), missing.getMessage());
    }

    @Test
    void locateSaysWhatItTriedAndHowToGetTheData() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        // a directory the user named is never replaced by an installed copy
        IOException named = assertThrows(IOException.class, () -> FashionMnist.locate(empty));
        assertTrue(named.getMessage().contains(empty + " does not hold Fashion-MNIST: missing train-images-idx3-ubyte"),
                named.getMessage());
        if (FashionMnist.debianDirectory().isPresent() || System.getenv(FashionMnist.ENV_VAR) != null
                || Files.isDirectory(FashionMnist.defaultCacheDirectory())) {
            assertTrue(Files.isDirectory(FashionMnist.locate(null)), "data installed on this machine is found");
            return;
        }
        IOException e = assertThrows(IOException.class, () -> FashionMnist.locate(null));
        assertTrue(e.getMessage().contains("Tried:") && e.getMessage().contains("apt-get install dataset-fashion-mnist")
                && e.getMessage().contains(FashionMnist.ENV_VAR), e.getMessage());
    }

    /** The download path against a loopback HTTP server serving fixtures; a corrupt body leaves nothing behind. */
    @Test
    void downloadsVerifiedFilesFromALoopbackServer() throws IOException {
        Path served = Files.createDirectories(dir.resolve("served"));
        FashionMnist.Manifest manifest = FixturePool.write(served, 8, 4, true, 5);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            Path file = served.resolve(name);
            byte[] body = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            if (name.startsWith("corrupt/")) {
                body = Files.readAllBytes(served.resolve(name.substring("corrupt/".length())));
                body[body.length / 2] ^= 0x55;
            }
            exchange.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length > 0 ? body.length : -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            Path cache = dir.resolve("cache");
            FashionMnist.download(cache, base, manifest);
            FashionMnist.Pool pool = FashionMnist.load(cache, manifest);
            assertEquals(12, pool.size());
            // second call: files already verified, nothing fetched again (the server would still serve them)
            FashionMnist.download(cache, base, manifest);

            Path badCache = dir.resolve("bad-cache");
            IOException e = assertThrows(IOException.class, () -> FashionMnist.download(badCache, base + "corrupt/", manifest));
            assertTrue(e.getMessage().contains("corrupt/train-images-idx3-ubyte.gz"), e.getMessage());
            try (Stream<Path> left = Files.list(badCache)) {
                assertEquals(0, left.count(), "no partial or unverified file is left");
            }
            IOException notFound = assertThrows(IOException.class, () -> FashionMnist.download(dir.resolve("c3"), base + "nowhere/", manifest));
            assertTrue(notFound.getMessage().contains("HTTP 404"), notFound.getMessage());
        } finally {
            server.stop(0);
        }
        assertEquals(IdxReader.sha256(IdxReader.decompressedBytes(dir.resolve("cache/train-labels-idx1-ubyte.gz"))),
                manifest.trainLabels().sha256());
    }
}
