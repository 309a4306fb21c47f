package io.github.cma4j.finetune;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * SameDiff 1.0.0-M2.1 prints "Added differentiated op …" to {@code System.out}, one line per op, whenever it builds
 * a gradient function — a hard-coded println no logger setting silences. This runs a computation with
 * {@code System.out} filtered: exactly those lines are dropped, every other line passes through unchanged (so
 * output of other threads during the window is not lost).
 */
final class QuietSameDiff {
    private static final String NOISE = "Added differentiated op";

    private QuietSameDiff() {
    }

    static synchronized <T> T run(Supplier<T> body) {
        PrintStream original = System.out;
        PrintStream filtered = new PrintStream(new LineFilter(original), true, StandardCharsets.UTF_8);
        System.setOut(filtered);
        try {
            return body.get();
        } finally {
            filtered.flush();
            System.setOut(original);
        }
    }

    /** Buffers bytes up to each newline, then drops the line if it is SameDiff's noise. */
    private static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                flushLine();
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            if (line.size() > 0) {
                flushLine();
            }
            target.flush();
        }

        private void flushLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            if (!text.startsWith(NOISE)) {
                target.print(text);
            }
            line.reset();
        }
    }
}
