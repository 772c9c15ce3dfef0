package org.jgolem.compute;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One subtask to run.
 *
 * <p>Inside the sandbox the folders appear as {@code /golem/resources} (read-only), {@code
 * /golem/work} and {@code /golem/output}. On the host, {@code resources} is only read; {@code
 * output} receives the output files after the run (and only then, only up to the output limit);
 * {@code work} is the host folder an environment may use for scratch state of its own.
 *
 * @param subtaskId the subtask's id: it names the container and seeds the deterministic clock and
 *     random
 * @param program what runs (a Docker image, a WASM binary, a host binary)
 * @param entrypoint Docker: the command inside the image ({@code /usr/bin/blender}); WASM: the
 *     program name given as argv[0]; host: ignored (the executable is argv[0])
 * @param args the arguments after the entry point (gWASM {@code exec_args})
 * @param env environment variables for the program
 * @param session null, or the key of a session: an environment that supports sessions (Docker) may
 *     run the subtasks of one session one after the other in one sandbox it keeps between them (the
 *     provider keys them by requestor and task: never shared across tasks). The program is told by
 *     {@value #SESSION_VARIABLE} and may keep a server there for the next subtask; see {@code
 *     DockerEnvironment}
 */
public record ExecutionSpec(
    String subtaskId,
    Program program,
    String entrypoint,
    List<String> args,
    Map<String, String> env,
    Path resources,
    Path work,
    Path output,
    Limits limits,
    String session) {

  public static final String RESOURCES = "/golem/resources";
  public static final String WORK = "/golem/work";
  public static final String OUTPUT = "/golem/output";

  /**
   * Set, in a session, to a folder the program may keep state in between the subtasks of its
   * session.
   */
  public static final String SESSION_VARIABLE = "JGOLEM_SESSION";

  /** A subtask id or session key (compiled once: validated for every subtask). */
  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  /** A subtask outside any session. */
  public ExecutionSpec(
      String subtaskId,
      Program program,
      String entrypoint,
      List<String> args,
      Map<String, String> env,
      Path resources,
      Path work,
      Path output,
      Limits limits) {
    this(subtaskId, program, entrypoint, args, env, resources, work, output, limits, null);
  }

  /** This subtask in session {@code key} (null: in none). */
  public ExecutionSpec withSession(String key) {
    return new ExecutionSpec(
        subtaskId, program, entrypoint, args, env, resources, work, output, limits, key);
  }

  public ExecutionSpec {
    Objects.requireNonNull(subtaskId, "subtaskId");
    Objects.requireNonNull(program, "program");
    Objects.requireNonNull(entrypoint, "entrypoint");
    args = List.copyOf(args);
    env = Map.copyOf(env);
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(work, "work");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(limits, "limits");
  }

  /**
   * Checks what can be checked before anything starts: a sane subtask id, existing folders,
   * distinct folders, an empty output folder, no NUL characters in arguments.
   */
  public void validate() throws ComputeException {
    if (!NAME.matcher(subtaskId).matches()) {
      throw invalid(
          "subtaskId must be 1-128 characters of [A-Za-z0-9_.-], got '" + subtaskId + "'");
    }
    if (session != null && !NAME.matcher(session).matches()) {
      throw invalid("session must be 1-128 characters of [A-Za-z0-9_.-], got '" + session + "'");
    }
    if (env.containsKey(SESSION_VARIABLE))
      throw invalid(SESSION_VARIABLE + " is set by the environment, not by the subtask");
    for (var d :
        List.of(
            Map.entry("resources", resources),
            Map.entry("work", work),
            Map.entry("output", output))) {
      if (!Files.isDirectory(d.getValue()))
        throw invalid(d.getKey() + " folder does not exist: " + d.getValue());
    }
    Path r = resources.toAbsolutePath().normalize();
    Path w = work.toAbsolutePath().normalize();
    Path o = output.toAbsolutePath().normalize();
    if (r.equals(w) || r.equals(o) || w.equals(o))
      throw invalid("resources, work and output must be three different folders");
    if (o.startsWith(r) || r.startsWith(o))
      throw invalid("output and resources must not contain one another");
    try (var s = Files.list(output)) {
      if (s.findAny().isPresent()) throw invalid("output folder is not empty: " + output);
    } catch (java.io.IOException e) {
      throw invalid("output folder cannot be read: " + e.getMessage());
    }
    for (String a : args) {
      if (a.indexOf('\0') >= 0) throw invalid("an argument contains a NUL character");
    }
    for (var e : env.entrySet()) {
      if (e.getKey().isEmpty()
          || e.getKey().indexOf('=') >= 0
          || e.getKey().indexOf('\0') >= 0
          || e.getValue().indexOf('\0') >= 0) {
        throw invalid("environment variable name or value is malformed: '" + e.getKey() + "'");
      }
    }
  }

  private static ComputeException invalid(String message) {
    return new ComputeException(FailureReason.INVALID_SPEC, message);
  }
}
