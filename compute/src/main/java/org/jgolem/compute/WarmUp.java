package org.jgolem.compute;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sandbox an environment keeps started and ready while the node is idle, for the first subtask of
 * a session that needs it: its image, the limits it is made with, and the program that readies it
 * (run in it as a subtask would be, from files of the node's own, before any requestor's file is
 * there). A warm sandbox serves one session and is never handed to a second: a subtask of a new
 * session takes it only if it asks for the same image, cpus and memory, and at most its processes,
 * scratch space and output; the environment then readies another when it is idle again.
 *
 * @param imageId the image ({@code sha256:...}), which must be on the environment's whitelist
 * @param limits what the sandbox is made with
 * @param entryPoint the program that readies it, with {@code args}
 * @param files the files it finds in its resources folder (name → content), readable by the
 *     subtask's uid
 * @param env its environment variables
 */
public record WarmUp(
    String imageId,
    Limits limits,
    String entryPoint,
    List<String> args,
    Map<String, byte[]> files,
    Map<String, String> env) {
  public WarmUp {
    Objects.requireNonNull(imageId, "imageId");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(entryPoint, "entryPoint");
    args = List.copyOf(args);
    files = Map.copyOf(files);
    env = Map.copyOf(env);
    for (String name : files.keySet()) {
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"))
        throw new IllegalArgumentException("bad warm-up file name " + name);
    }
  }
}
