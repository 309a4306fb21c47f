package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.fashion.FixturePool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    @TempDir
    Path dir;

    private Path twoImages() throws IOException {
        byte[] data = new byte[2 * 3 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 11);
        }
        Path p = dir.resolve("imgs-idx3-ubyte");
        IdxReader.write(p, new int[]{2, 3, 4}, data);
        return p;
    }

    @Test
    void readsPlainAndGzippedWithTheSameChecksum() throws IOException {
        Path plain = twoImages();
        Path gz = dir.resolve("imgs-idx3-ubyte.gz");
        FixturePool.gzip(plain, gz);
        IdxReader.IdxArray a = IdxReader.read(plain, 3);
        IdxReader.IdxArray b = IdxReader.read(gz, 3);
        assertArrayEquals(new int[]{2, 3, 4}, a.dims());
        assertEquals((byte) (5 * 11), a.data()[5]);
        assertArrayEquals(a.data(), b.data());
        assertEquals(a.sha256(), b.sha256(), "checksum of the decompressed bytes");
        assertEquals(IdxReader.sha256(Files.readAllBytes(plain)), a.sha256());
    }

    @Test
    void defectsAreNamed() throws IOException {
        Path plain = twoImages();
        byte[] bytes = Files.readAllBytes(plain);

        Path truncated = dir.resolve("truncated");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));
        assertMessage(truncated, 3, "truncated: the header announces 24 bytes of data, the file holds 21");

        Path longer = dir.resolve("longer");
        Files.write(longer, Arrays.copyOf(bytes, bytes.length + 2));
        assertMessage(longer, 3, "2 unexpected bytes");

        Path magic = dir.resolve("magic");
        byte[] m = bytes.clone();
        m[2] = 0x0D;    // float elements
        Files.write(magic, m);
        assertMessage(magic, 3, "bad IDX magic 0x00000D03");
        assertMessage(plain, 1, "expected 0x00000801");

        Path gz = dir.resolve("x.gz");
        FixturePool.gzip(plain, gz);
        byte[] z = Files.readAllBytes(gz);
        Path brokenGz = dir.resolve("broken.gz");
        Files.write(brokenGz, Arrays.copyOf(z, z.length / 2));
        assertMessage(brokenGz, 3, "corrupt gzip data");

        assertMessage(dir.resolve("absent"), 3, "cannot read");
    }

    private static void assertMessage(Path file, int dims, String fragment) {
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(file, dims));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }
}
