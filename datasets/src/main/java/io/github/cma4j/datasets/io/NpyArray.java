package io.github.cma4j.datasets.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A numeric NumPy {@code .npy} array read defensively: the header (format versions 1–3) is parsed first, and the
 * file's size is checked against its shape and dtype <em>before</em> any data is read, so a truncated file or one
 * with trailing bytes is an error naming the expected and the actual size (never zeros in place of the missing
 * values). Fortran order, object arrays and non-numeric dtypes are refused by name. Floating types: float16, float32,
 * float64; integer types: (u)int8–64 and bool; either byte order.
 *
 * @param file   where it came from.
 * @param shape  the array's shape.
 * @param dtype  the header's {@code descr}, e.g. {@code <f4}.
 * @param values the values in C order, widened to double (exact for every supported type but int64 beyond 2⁵³,
 *               which {@link #ids} rejects).
 */
public record NpyArray(Path file, int[] shape, String dtype, double[] values) {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * @param file an .npy file.
     * @return its array.
     * @throws IOException naming the file and what is wrong: bad magic, a malformed or truncated header, Fortran
     *                     order, an unsupported dtype, or a data size that does not match shape × item size.
     */
    public static NpyArray read(Path file) throws IOException {
        long fileSize = Files.size(file);
        String header;
        long dataOffset;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(8);
            if (magic.length < 8 || (magic[0] & 0xFF) != 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
                throw new IOException(file + ": not an .npy file (bad magic)");
            }
            int major = magic[6];
            if (major < 1 || major > 3) {
                throw new IOException(file + ": .npy format version " + major + " is not supported (1 to 3 are)");
            }
            int lengthBytes = major == 1 ? 2 : 4;
            byte[] lenBytes = in.readNBytes(lengthBytes);
            ByteBuffer len = ByteBuffer.wrap(Arrays.copyOf(lenBytes, 4)).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = major == 1 ? len.getShort() & 0xFFFF : len.getInt() & 0xFFFFFFFFL;
            byte[] bytes = in.readNBytes((int) Math.min(headerLength, 1 << 20));
            if (lenBytes.length < lengthBytes || bytes.length < headerLength) {
                throw new IOException(file + ": truncated .npy header");
            }
            header = new String(bytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            dataOffset = 8 + lengthBytes + headerLength;
        }
        String descr = group(file, DESCR, header, "descr");
        if (group(file, FORTRAN, header, "fortran_order").equals("True")) {
            throw new IOException(file + ": the array is stored in Fortran (column-major) order, which cma4j does not read; "
                    + "save it in C order, e.g. np.save(path, np.ascontiguousarray(x))");
        }
        int[] shape = shape(file, group(file, SHAPE, header, "shape"));
        Dtype type = Dtype.of(file, descr);
        long count = 1;
        for (int s : shape) {
            count = Math.multiplyExact(count, s);
        }
        long expected = count * type.size;
        long actual = fileSize - dataOffset;
        if (actual != expected) {
            throw new IOException(file + ": shape " + Arrays.toString(shape) + " of " + descr + " needs " + expected
                    + " bytes of data, the file has " + actual + (actual < expected ? " (truncated)" : " (trailing bytes)"));
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": " + expected + " bytes of data; cma4j reads arrays of at most 2 GiB");
        }
        ByteBuffer data = ByteBuffer.allocate((int) expected).order(type.order);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.position(dataOffset);
            while (data.hasRemaining()) {
                if (channel.read(data) < 0) {
                    throw new IOException(file + ": ended before its " + expected + " bytes of data");
                }
            }
        }
        data.flip();
        double[] values = new double[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = type.next(data);
        }
        return new NpyArray(file, shape, descr, values);
    }

    /** @return whether the dtype is a floating-point type. */
    public boolean isFloating() {
        return dtype.substring(1).startsWith("f");
    }

    /**
     * @return the values as float32, each finite.
     * @throws IOException naming the file, row and column of a value that is not finite or overflows float32.
     */
    public float[] finiteFloats() throws IOException {
        int width = shape.length == 2 ? shape[1] : 1;
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                throw new IOException(file + ": value " + v + " at row " + i / width + ", column " + i % width + " is not finite");
            }
            if (Math.abs(v) > Float.MAX_VALUE) {
                throw new IOException(file + ": value " + v + " at row " + i / width + ", column " + i % width
                        + " overflows float32 (largest " + Float.MAX_VALUE + ")");
            }
            out[i] = (float) v;
        }
        return out;
    }

    /**
     * @param what what the ids are, for messages.
     * @return the values as non-negative int ids.
     * @throws IOException if the dtype is not an integer type, or naming the index of a negative or too large value.
     */
    public int[] ids(String what) throws IOException {
        if (isFloating()) {
            throw new IOException(file + ": " + what + " must be integers (int32/int64), the dtype is " + dtype);
        }
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + what + " value " + (long) values[i] + " at index " + i + " is negative or too large");
            }
            out[i] = (int) values[i];
        }
        return out;
    }

    private static String group(Path file, Pattern pattern, String header, String key) throws IOException {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": the .npy header has no readable '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    private static int[] shape(Path file, String text) throws IOException {
        String[] parts = text.trim().split("\\s*,\\s*");
        int[] shape = new int[parts.length == 1 && parts[0].isEmpty() ? 0 : parts.length];
        try {
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Integer.parseInt(parts[i].replace("L", ""));
            }
        } catch (NumberFormatException e) {
            throw new IOException(file + ": the .npy header's shape (" + text + ") is not a tuple of sizes");
        }
        return shape;
    }

    /** A supported dtype: kind, item size and byte order. */
    private record Dtype(char kind, int size, ByteOrder order) {
        static Dtype of(Path file, String descr) throws IOException {
            if (descr.length() < 3 || "<>|=".indexOf(descr.charAt(0)) < 0) {
                throw new IOException(file + ": dtype '" + descr + "' is not supported; save a numeric array (e.g. x.astype(np.float32))");
            }
            char kind = descr.charAt(1);
            int size;
            try {
                size = Integer.parseInt(descr.substring(2));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": dtype '" + descr + "' is not supported; save a numeric array (e.g. x.astype(np.float32))");
            }
            boolean ok = switch (kind) {
                case 'f' -> size == 2 || size == 4 || size == 8;
                case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
                case 'b' -> size == 1;
                default -> false;
            };
            if (!ok) {
                String name = kind == 'O' ? "object" : kind == 'U' || kind == 'S' ? "string" : kind == 'c' ? "complex" : descr;
                throw new IOException(file + ": dtype " + name + " ('" + descr + "') is not supported; cma4j reads "
                        + "float16/32/64, (u)int8-64 and bool arrays (e.g. np.save(path, x.astype(np.float32)))");
            }
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            return new Dtype(kind, size, order);
        }

        double next(ByteBuffer b) {
            return switch (kind) {
                case 'f' -> size == 2 ? halfToFloat(b.getShort()) : size == 4 ? b.getFloat() : b.getDouble();
                case 'i' -> size == 1 ? b.get() : size == 2 ? b.getShort() : size == 4 ? b.getInt() : (double) b.getLong();
                case 'u' -> size == 1 ? b.get() & 0xFF : size == 2 ? b.getShort() & 0xFFFF : size == 4 ? b.getInt() & 0xFFFFFFFFL
                        : unsignedLong(b.getLong());
                default -> b.get() != 0 ? 1 : 0;
            };
        }

        private static double unsignedLong(long v) {
            return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
        }
    }

    /** IEEE 754 half precision to float. */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h >>> 15) != 0 ? -1 : 1;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0) {
            return sign * mantissa * 0x1p-24f;                       // subnormal (or zero)
        }
        if (exponent == 31) {
            return mantissa == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * (1 + mantissa / 1024f) * (float) Math.pow(2, exponent - 15);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "NpyArray[%s %s %s]", file, dtype, Arrays.toString(shape));
    }
}
