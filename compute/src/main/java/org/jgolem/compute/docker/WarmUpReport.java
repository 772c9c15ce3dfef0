package org.jgolem.compute.docker;

import org.jgolem.compute.ExecutionResult;

/**
 * What a warm-up of a Docker environment did (see {@link DockerEnvironment#keepWarm}): for the
 * node's logs and metrics, and for whoever must not begin before a warm sandbox is ready (a
 * benchmark's timed run).
 *
 * @param imageId the warm-up's image
 * @param outcome what happened
 * @param result the warm-up's run, once it has ended (null when it {@link Outcome#STARTED})
 */
public record WarmUpReport(String imageId, Outcome outcome, ExecutionResult result) {
  public enum Outcome {
    /** A warm-up began: the node had been idle long enough and no sandbox of it was ready. */
    STARTED,
    /** A warm sandbox is ready, kept for the first new session that fits it. */
    READY,
    /** It was cancelled because work came meanwhile; it is readied again when the node is idle. */
    GAVE_WAY,
    /** It failed; it is tried again a minute later. */
    FAILED,
    /** The environment closed while it was being readied. */
    CLOSED
  }
}
