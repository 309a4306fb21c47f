package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.MultiDomainDataset;
import io.github.cma4j.datasets.fashion.FashionMnist;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken files, built here, each refused with a message that names the file and what is wrong (docs/reliability.md). */
class BadInputTest {
    @TempDir
    Path dir;

    private Path vectors() throws IOException {
        NpyFile.write(dir.resolve("y.npy"), new int[]{0, 1, 0}, new int[]{3});
        NpyFile.write(dir.resolve("d.npy"), new int[]{0, 0, 1}, new int[]{3});
        return dir.resolve("y.npy");
    }

    private Path features() throws IOException {
        Path x = dir.resolve("x.npy");
        NpyFile.write(x, new float[]{0, 1, 2, 3, 4, 5}, new int[]{3, 2});
        return x;
    }

    private IOException readFails(Path x) throws IOException {
        Path y = vectors();
        return assertThrows(IOException.class, () -> NpyDomainReader.read(x, y, dir.resolve("d.npy"), null, null, null));
    }

    private static void truncate(Path file, int bytes) throws IOException {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length - bytes));
    }

    /** Truncated by a whole float: was read with a zero in place of the missing value. */
    @Test
    void npyTruncatedByFourBytesIsRefusedWithTheSizes() throws IOException {
        Path x = features();
        truncate(x, 4);
        IOException e = readFails(x);
        assertTrue(e.getMessage().contains("x.npy") && e.getMessage().contains("needs 24 bytes of data, the file has 20 (truncated)"),
                e.getMessage());
    }

    /** Truncated by 1–3 bytes: the npy library looped forever. */
    @Test
    @Timeout(20)
    void npyTruncatedByOneToThreeBytesIsRefusedAtOnce() throws IOException {
        for (int cut = 1; cut <= 3; cut++) {
            Path x = features();
            truncate(x, cut);
            IOException e = readFails(x);
            assertTrue(e.getMessage().contains("the file has " + (24 - cut) + " (truncated)"), e.getMessage());
        }
    }

    @Test
    void npyWithTrailingBytesIsRefused() throws IOException {
        Path x = features();
        Files.write(x, new byte[]{1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertTrue(readFails(x).getMessage().contains("the file has 27 (trailing bytes)"));
    }

    /** A hand-written .npy (version 1) with any header and payload. */
    private Path npy(String name, String header, byte[] payload) throws IOException {
        String dict = header;
        int total = 10 + dict.length() + 1;
        dict = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) dict.length()).array());
            out.write(dict.getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
        }
        return file;
    }

    @Test
    void float16FeaturesAreRead() throws IOException {
        // 1.0, -2.0, 0.5, 65504 (the largest half), 0, 3.0 as IEEE half precision
        short[] halves = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF, 0x0000, 0x4200};
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            b.putShort(h);
        }
        Path x = npy("half.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 2), }", b.array());
        MultiDomainDataset ds = NpyDomainReader.read(x, vectors(), dir.resolve("d.npy"), null, null, null);
        assertArrayEquals(new float[]{1, -2, 0.5f, 65504, 0, 3}, ds.rawFeatures());
    }

    @Test
    void objectAndStringArraysAreRefusedByName() throws IOException {
        Path objects = npy("obj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (3, 2), }", new byte[48]);
        assertTrue(readFails(objects).getMessage().contains("obj.npy: dtype '|O' is not supported"), readFails(objects).getMessage());
        Path strings = npy("str.npy", "{'descr': '<U3', 'fortran_order': False, 'shape': (3, 2), }", new byte[72]);
        assertTrue(readFails(strings).getMessage().contains("dtype string ('<U3') is not supported"), readFails(strings).getMessage());
    }

    @Test
    void floatLabelsAreRefused() throws IOException {
        Path x = features();
        vectors();
        Path floatLabels = dir.resolve("yf.npy");
        NpyFile.write(floatLabels, new float[]{0, 1, 0}, new int[]{3});
        IOException e = assertThrows(IOException.class, () -> NpyDomainReader.read(x, floatLabels, dir.resolve("d.npy"), null, null, null));
        assertTrue(e.getMessage().contains("yf.npy: labels must be integers"), e.getMessage());
    }

    private Path csv(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static IOException csvFails(Path file) {
        return assertThrows(IOException.class, () -> CsvDomainReader.read(file, CsvDomainReader.Options.defaults()));
    }

    /** Float.parseFloat accepts Java's float and double suffixes: '3f' was read as 3.0. */
    @Test
    void javaNumberSuffixesAreNotNumbers() throws IOException {
        for (String cell : List.of("3f", "2d", "0x1p3", "1_000")) {
            IOException e = csvFails(csv("s.csv", "x,label,domain\n1,a,d0\n" + cell + ",b,d1\n"));
            assertTrue(e.getMessage().contains("s.csv line 3, column 'x' (1): '" + cell + "' is not a number"), e.getMessage());
        }
    }

    @Test
    void float32OverflowIsSaidAsSuch() throws IOException {
        IOException e = csvFails(csv("o.csv", "x,label,domain\n1e39,a,d0\n2,b,d1\n"));
        assertTrue(e.getMessage().contains("line 2, column 'x' (1): '1e39' overflows float32"), e.getMessage());
        IOException nan = csvFails(csv("n.csv", "x,label,domain\nNaN,a,d0\n2,b,d1\n"));
        assertTrue(nan.getMessage().contains("'NaN' is not finite"), nan.getMessage());
    }

    @Test
    void anEmptyFileSaysItIsEmpty() throws IOException {
        IOException e = csvFails(csv("empty.csv", ""));
        assertTrue(e.getMessage().contains("empty.csv: the file is empty"), e.getMessage());
    }

    /** A UTF-8 byte-order mark was read as part of the first header name. */
    @Test
    void aByteOrderMarkIsSkipped() throws IOException {
        MultiDomainDataset ds = CsvDomainReader.read(csv("bom.csv", "\uFEFFlabel,domain,x\na,d0,1\nb,d1,2\n"),
                CsvDomainReader.Options.defaults());
        assertEquals(2, ds.size());
        assertArrayEquals(new float[]{1, 2}, ds.rawFeatures());
    }

    @Test
    void gzippedCsvIsRead() throws IOException {
        Path gz = dir.resolve("data.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("x,label,domain\n1,a,d0\n2,b,d1\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2, CsvDomainReader.read(gz, CsvDomainReader.Options.defaults()).size());
        Path fake = csv("fake.csv.gz", "x,label,domain\n");
        assertTrue(csvFails(fake).getMessage().contains("fake.csv.gz: not a gzip file"), csvFails(fake).getMessage());
    }

    /** A directory the user named was silently replaced by the system's copy. */
    @Test
    void aNamedDataDirectoryIsUsedOrRefused() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> FashionMnist.locate(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("--data-dir") && missing.getMessage().contains("no such directory"),
                missing.getMessage());
        Files.writeString(dir.resolve("train-images-idx3-ubyte"), "partial");
        IOException incomplete = assertThrows(IOException.class, () -> FashionMnist.locate(dir));
        assertTrue(incomplete.getMessage().contains("does not hold Fashion-MNIST: missing")
                && incomplete.getMessage().contains("t10k-labels-idx1-ubyte"), incomplete.getMessage());
    }
}
