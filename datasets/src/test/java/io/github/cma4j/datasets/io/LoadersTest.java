package io.github.cma4j.datasets.io;

import io.github.cma4j.datasets.MultiDomainDataset;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSV/TSV, NPY and image-folder readers on fixtures written here; every bad-input case names file, line, column. */
class LoadersTest {
    @TempDir
    Path dir;

    private Path csv(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void csvWithNamedColumns() throws IOException {
        Path p = csv("data.csv", "x1,label,domain,x2,grp\n1.5,10,siteB,2,a\n-1,2,siteA,0.25,b\n3,10,siteA,1e-3,a\n");
        MultiDomainDataset ds = CsvDomainReader.read(p, new CsvDomainReader.Options("label", "domain", "grp", null));
        assertEquals(3, ds.size());
        assertEquals(2, ds.numFeatures());
        assertEquals(List.of("2", "10"), ds.classNames(), "integer labels in numeric order");
        assertEquals(List.of("siteA", "siteB"), ds.domainNames());
        assertEquals(1, ds.label(0));
        assertEquals(1, ds.domain(0));
        assertEquals(1.5f, ds.feature(0, 0));
        assertEquals(2f, ds.feature(0, 1));
        assertArrayEquals(new int[]{0, 1, 0}, ds.groups());
        assertEquals("x1,x2", ds.provenance().parameters().get("features"));
        Path tsv = csv("data.tsv", "label\tdomain\tf\ncat\td0\t1\ndog\td1\t2\n");
        assertEquals(List.of("cat", "dog"), CsvDomainReader.read(tsv, CsvDomainReader.Options.defaults()).classNames());
    }

    @Test
    void csvErrorsNameFileLineAndColumn() throws IOException {
        CsvDomainReader.Options o = CsvDomainReader.Options.defaults();
        assertIo(csv("a.csv", "label,domain,f1,f2\n0,d,1,2\n1,d,,4\n"), o, "a.csv line 3, column 'f1' (3): missing value");
        assertIo(csv("b.csv", "label,domain,f1,f2\n0,d,1,2\n1,d,3,abc\n"), o, "b.csv line 3, column 'f2' (4): 'abc' is not a number");
        assertIo(csv("c.csv", "label,domain,f1\n0,d,1\n1,d\n"), o, "c.csv line 3: 2 fields, the header has 3");
        assertIo(csv("d.csv", "lab,domain,f1\n0,d,1\n"), o, "no column 'label'");
        assertIo(csv("e.csv", "label,domain,f1\n0,d,NaN\n"), o, "'NaN' is not finite");
        assertIo(csv("f.csv", "label,domain,f1\n0,,1\n"), o, "f.csv line 2, column 'domain': missing value");
        assertIo(csv("g.csv", "label,domain,f1\n"), o, "no data rows");
        assertIo(csv("h.csv", "label,domain,f1\n0,d,1\n0,e,2\n"), o, "needs at least 2 classes");
    }

    private static void assertIo(Path p, CsvDomainReader.Options o, String fragment) {
        IOException e = assertThrows(IOException.class, () -> CsvDomainReader.read(p, o));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void npyFeaturesWithLabelAndDomainVectors() throws IOException {
        Path x = dir.resolve("x.npy");
        Path y = dir.resolve("y.npy");
        Path d = dir.resolve("d.npy");
        NpyFile.write(x, new double[]{0, 1, 2, 3, 4, 5}, new int[]{3, 2});
        NpyFile.write(y, new long[]{1, 0, 1}, new int[]{3});
        NpyFile.write(d, new int[]{0, 0, 1}, new int[]{3});
        MultiDomainDataset ds = NpyDomainReader.read(x, y, d, null, List.of("neg", "pos"), null);
        assertEquals(3, ds.size());
        assertEquals(3f, ds.feature(1, 1));
        assertEquals("pos", ds.classNames().get(ds.label(0)));
        assertEquals(List.of("domain0", "domain1"), ds.domainNames());
        IOException shape = assertThrows(IOException.class, () -> NpyDomainReader.read(x, x, d, null, null, null));
        assertTrue(shape.getMessage().contains("x.npy: labels must be 1-D of length 3"), shape.getMessage());
        IOException dtype = assertThrows(IOException.class, () -> NpyDomainReader.read(y, y, d, null, null, null));
        assertTrue(dtype.getMessage().contains("y.npy: features must be 2-D"), dtype.getMessage());
        Path shortLabels = dir.resolve("y2.npy");
        NpyFile.write(shortLabels, new int[]{1, 0}, new int[]{2});
        IOException len = assertThrows(IOException.class, () -> NpyDomainReader.read(x, shortLabels, d, null, null, null));
        assertTrue(len.getMessage().contains("labels must be 1-D of length 3"), len.getMessage());
    }

    /** A Fortran-order file (header written by hand, as np.save(np.asfortranarray(x)) would) is refused clearly. */
    @Test
    void fortranOrderIsRejected() throws IOException {
        Path f = dir.resolve("fortran.npy");
        String header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        int total = 10 + header.length() + 1;
        String padded = header + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + padded.length() + 6 * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) padded.length()).put(padded.getBytes(StandardCharsets.US_ASCII));
        for (double v : new double[]{0, 3, 1, 4, 2, 5}) {
            buf.putDouble(v);
        }
        Files.write(f, buf.array());
        Path y = dir.resolve("y.npy");
        NpyFile.write(y, new int[]{0, 1}, new int[]{2});
        IOException e = assertThrows(IOException.class, () -> NpyDomainReader.read(f, y, y, null, null, null));
        assertTrue(e.getMessage().contains("fortran.npy: the array is stored in Fortran (column-major) order")
                && e.getMessage().contains("np.ascontiguousarray"), e.getMessage());
    }

    @Test
    void imageFolderTree() throws IOException {
        png(dir.resolve("tree/art/dog/a.png"), 0xFF0000, 8, 6);
        png(dir.resolve("tree/art/cat/b.png"), 0x00FF00, 5, 5);
        png(dir.resolve("tree/photo/cat/c.png"), 0x0000FF, 9, 9);
        MultiDomainDataset ds = ImageFolderReader.read(dir.resolve("tree"), 4, 3, false);
        assertEquals(List.of("art", "photo"), ds.domainNames());
        assertEquals(List.of("cat", "dog"), ds.classNames(), "classes unioned across domains (photo lacks dog: warning)");
        assertEquals(3, ds.size());
        assertArrayEquals(new int[]{3, 3, 4}, ds.inputShape());
        assertEquals(1f, ds.feature(0, 12), 1e-6, "art/cat/b.png is green: channel 1 = 1");
        assertEquals(0f, ds.feature(0, 0), 1e-6);
        assertEquals(1, ds.label(1), "art/dog/a.png");
        MultiDomainDataset grey = ImageFolderReader.read(dir.resolve("tree"), 2, 2, true);
        assertArrayEquals(new int[]{1, 2, 2}, grey.inputShape());

        Files.writeString(dir.resolve("tree/photo/cat/broken.png"), "not an image");
        Files.writeString(dir.resolve("tree/art/dog/notes.txt"), "text");
        IOException e = assertThrows(IOException.class, () -> ImageFolderReader.read(dir.resolve("tree"), 4, 3, false));
        assertTrue(e.getMessage().startsWith("2 unreadable image(s)") && e.getMessage().contains("broken.png")
                && e.getMessage().contains("notes.txt"), e.getMessage());
    }

    private static void png(Path p, int rgb, int w, int h) throws IOException {
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, "png", p.toFile());
    }
}
