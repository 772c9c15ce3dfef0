package org.jgolem.compute;

/**
 * A place where subtasks run: the Docker engine, the Chicory WebAssembly runtime, or (off by
 * default) the host itself. Golem called these "envs".
 *
 * <p>{@link #start} never throws for anything the subtask or the engine does: every failure comes
 * back as an {@link ExecutionResult} with a typed {@link FailureReason}. A cancelled or finished
 * execution leaves nothing running: no container, no thread, no process, no temporary file.
 */
public interface Environment extends AutoCloseable {

  /** The environment's name as tasks name it: "docker", "wasm", "host". */
  String name();

  /** What this environment can run right now (it may probe its engine). */
  Capabilities capabilities();

  /** Starts a subtask; the returned execution completes with its result. */
  Execution start(ExecutionSpec spec);

  /** Cancels whatever still runs and frees the environment's resources. */
  @Override
  void close();
}
