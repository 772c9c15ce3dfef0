package org.jgolem.compute;

/** Why a subtask's execution did not succeed. Every failure an environment reports carries one. */
public enum FailureReason {
  /** The wall-time limit ran out; the subtask was stopped. */
  TIMEOUT,
  /** The memory limit was hit: the kernel's OOM killer (Docker) or a refused memory.grow (WASM). */
  OUT_OF_MEMORY,
  /** The program exited with a non-zero status. */
  NON_ZERO_EXIT,
  /** The output folder, or a file in it, exceeded the output limit. */
  OUTPUT_TOO_LARGE,
  /** The image or binary the subtask names is not present on this node. */
  IMAGE_MISSING,
  /** The image is present but is not on this node's whitelist (images are whitelisted by id). */
  IMAGE_NOT_ALLOWED,
  /** The environment's engine (the Docker daemon) does not answer. */
  ENGINE_UNAVAILABLE,
  /**
   * The program broke a rule of its sandbox: a WASM trap, a write to read-only resources, a bad
   * module.
   */
  TRAPPED,
  /** The execution was cancelled by the node. */
  CANCELLED,
  /** The request itself is malformed: missing folders, bad arguments, a wrong kind of program. */
  INVALID_SPEC,
  /** The environment failed for a reason of its own; the message says which. */
  ENVIRONMENT_ERROR
}
