package org.jgolem.compute.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The shell wrapper around a subtask ({@code wrapper.sh}, a resource next to this class; it says
 * what it does). Its text is constant: the run's marker, whether it runs in a session, and the
 * subtask's command reach it as arguments ({@code /bin/sh -c <script> jgolem-wrapper <marker hex>
 * <0|1> <command> <args...>}), so nothing a requestor or a subtask chose is ever parsed as shell
 * code.
 */
final class DockerWrapper {
  /** The script's text. */
  static final String SCRIPT = load();

  private DockerWrapper() {}

  /**
   * The exec's command line: /bin/sh running the wrapper with {@code marker} (as {@link
   * OutputSplitter#newMarker()} makes it: 0x1E and hex), {@code session} (whether the container
   * serves a session), then the subtask's command.
   */
  static List<String> command(
      String marker, boolean session, String entrypoint, List<String> args) {
    if (marker.isEmpty() || marker.charAt(0) != OutputSplitter.FIRST) {
      throw new IllegalArgumentException("the marker must start with 0x1E");
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                SCRIPT,
                "jgolem-wrapper",
                marker.substring(1),
                session ? "1" : "0",
                entrypoint));
    cmd.addAll(args);
    return cmd;
  }

  private static String load() {
    try (InputStream in = DockerWrapper.class.getResourceAsStream("wrapper.sh")) {
      if (in == null)
        throw new IllegalStateException(
            "wrapper.sh is missing next to " + DockerWrapper.class.getName());
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read wrapper.sh", e);
    }
  }
}
