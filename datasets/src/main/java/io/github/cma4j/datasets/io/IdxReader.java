package io.github.cma4j.datasets.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or not, and checks them.
 * <p>
 * Format: a big-endian int32 magic {@code 0x0000TTNN} (TT = element type, 0x08 for unsigned bytes; NN = number of
 * dimensions), NN big-endian int32 dimensions, then the elements row-major. Compression is detected from the
 * file's first bytes, not its name, and the SHA-256 is of the <em>decompressed</em> bytes, so a file has one
 * checksum however it is stored. Any defect — a wrong magic, a non-byte element type, a truncated or over-long
 * body, a corrupt gzip stream — is an {@link IOException} naming the file and the problem.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /**
     * The content of an IDX file of unsigned bytes.
     *
     * @param source the file read.
     * @param dims   its dimensions (e.g. {60000, 28, 28}).
     * @param data   the elements, row-major.
     * @param sha256 SHA-256 of the decompressed file, lower-case hex.
     */
    public record IdxArray(Path source, int[] dims, byte[] data, String sha256) {
        /** @return the number of entries along the first dimension. */
        public int count() {
            return dims[0];
        }
    }

    /**
     * Reads and validates an unsigned-byte IDX file.
     *
     * @param file          the file (gzipped or plain).
     * @param expectedDims  expected number of dimensions (1 for labels, 3 for images).
     * @return its content.
     * @throws IOException naming the file and what is wrong.
     */
    public static IdxArray read(Path file, int expectedDims) throws IOException {
        byte[] bytes = decompressedBytes(file);
        String sha = sha256(bytes);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (bytes.length < 4) {
            throw new IOException(file + ": too short for an IDX header (" + bytes.length + " bytes)");
        }
        int magic = buf.getInt();
        int type = (magic >> 8) & 0xFF;
        int numDims = magic & 0xFF;
        if ((magic >>> 16) != 0 || type != 0x08 || numDims != expectedDims) {
            throw new IOException(String.format("%s: bad IDX magic 0x%08X, expected 0x000008%02X (unsigned bytes, %d dimensions)",
                    file, magic, expectedDims, expectedDims));
        }
        if (bytes.length < 4 + 4 * numDims) {
            throw new IOException(file + ": truncated IDX header");
        }
        int[] dims = new int[numDims];
        long count = 1;
        for (int k = 0; k < numDims; k++) {
            dims[k] = buf.getInt();
            if (dims[k] < 0) {
                throw new IOException(file + ": negative dimension " + dims[k]);
            }
            count *= dims[k];
        }
        long available = bytes.length - (4L + 4L * numDims);
        if (available < count) {
            throw new IOException(file + ": truncated: the header announces " + count + " bytes of data, the file holds "
                    + available);
        }
        if (available > count) {
            throw new IOException(file + ": " + (available - count) + " unexpected bytes after the " + count
                    + " announced by the header");
        }
        byte[] data = new byte[(int) count];
        buf.get(data);
        return new IdxArray(file, dims, data, sha);
    }

    /**
     * @param file a file, gzipped or plain.
     * @return its decompressed bytes.
     * @throws IOException if it cannot be read or its gzip stream is corrupt (naming the file).
     */
    public static byte[] decompressedBytes(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1f && (raw[1] & 0xFF) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 4);
                in.transferTo(out);
                return out.toByteArray();
            } catch (IOException e) {
                throw new IOException(file + ": corrupt gzip data: " + e.getMessage(), e);
            }
        }
        return raw;
    }

    /** @return the SHA-256 of the bytes, lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * Writes an unsigned-byte IDX file (plain, not gzipped); used to make fixtures and by users exporting data.
     *
     * @param file the destination.
     * @param dims the dimensions.
     * @param data the elements, row-major; length = product of dims.
     * @throws IOException on a write error.
     */
    public static void write(Path file, int[] dims, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        buf.putInt(0x0800 | dims.length);
        for (int d : dims) {
            buf.putInt(d);
        }
        buf.put(data);
        Files.write(file, buf.array());
    }
}
