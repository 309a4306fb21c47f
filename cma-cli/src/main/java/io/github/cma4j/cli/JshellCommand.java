package io.github.cma4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code cma4j jshell}: listed here so that {@code --help} shows it, but started by the {@code ./cma4j} launcher,
 * which runs jshell (a JVM of its own) with the project's class path on docs/notebook.jsh.
 */
@Command(name = "jshell", mixinStandardHelpOptions = true,
        description = "Open jshell with cma4j on the class path, run docs/notebook.jsh, and keep the prompt with its "
                + "variables (started by the ./cma4j launcher).")
final class JshellCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("cma4j jshell: jshell is started by the ./cma4j launcher: run './cma4j jshell', "
                + "or 'jshell --class-path <the cma-cli class path> docs/notebook.jsh'");
        return 1;
    }
}
