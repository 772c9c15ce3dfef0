package org.jgolem.node.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs the real CLI in-process, as {@code main} would, with captured stdout and stderr. */
final class CliHarness {
  private CliHarness() {}

  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Result run(Map<String, String> env, String... args) {
    return run(env, false, CliHarness.class.getClassLoader(), args);
  }

  static Result run(
      Map<String, String> env, boolean terminal, ClassLoader launchers, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    GolemCli cli = new GolemCli(env, terminal, launchers);
    int exit =
        GolemCli.commandLine(cli, new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }
}
