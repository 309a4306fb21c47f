package io.github.cma4j.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The cma4j command run in-process, with everything it prints to standard output and error kept for assertions. */
final class CliSession {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** @return the command's exit code. */
    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
