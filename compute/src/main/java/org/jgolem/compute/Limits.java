package org.jgolem.compute;

import java.time.Duration;
import java.util.Objects;

/**
 * What one subtask may use.
 *
 * @param cpus CPU cores (Docker: a CFS quota of this many cores; WASM: always one thread)
 * @param memoryBytes memory limit (Docker: cgroup limit incl. tmpfs, no swap; WASM: linear memory)
 * @param timeout wall-time limit, after which the subtask is stopped with {@link
 *     FailureReason#TIMEOUT}
 * @param maxOutputBytes total size of everything written to the output folder
 * @param maxLogBytes stdout and stderr are each kept up to this many bytes; the rest is counted,
 *     not kept
 * @param maxProcesses processes and threads a Docker subtask may have (fork bombs stop here)
 * @param workBytes size of the writable scratch folders (/golem/work and /tmp)
 */
public record Limits(
    int cpus,
    long memoryBytes,
    Duration timeout,
    long maxOutputBytes,
    int maxLogBytes,
    int maxProcesses,
    long workBytes) {

  public static final long MIB = 1024L * 1024;

  /** Defaults for a small subtask: 1 core, 256 MiB, 60 s, 64 MiB of output, 64 KiB of each log. */
  public static Limits defaults() {
    return new Limits(1, 256 * MIB, Duration.ofSeconds(60), 64 * MIB, 64 * 1024, 128, 64 * MIB);
  }

  public Limits {
    Objects.requireNonNull(timeout, "timeout");
    if (cpus < 1) throw new IllegalArgumentException("cpus must be at least 1, got " + cpus);
    if (memoryBytes < 4 * MIB)
      throw new IllegalArgumentException("memoryBytes must be at least 4 MiB, got " + memoryBytes);
    if (timeout.isNegative() || timeout.isZero())
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    if (maxOutputBytes < 0)
      throw new IllegalArgumentException("maxOutputBytes must not be negative");
    if (maxLogBytes < 0) throw new IllegalArgumentException("maxLogBytes must not be negative");
    if (maxProcesses < 1) throw new IllegalArgumentException("maxProcesses must be at least 1");
    if (workBytes < MIB) throw new IllegalArgumentException("workBytes must be at least 1 MiB");
  }

  public Limits withTimeout(Duration t) {
    return new Limits(cpus, memoryBytes, t, maxOutputBytes, maxLogBytes, maxProcesses, workBytes);
  }

  public Limits withMemoryBytes(long m) {
    return new Limits(cpus, m, timeout, maxOutputBytes, maxLogBytes, maxProcesses, workBytes);
  }

  public Limits withMaxOutputBytes(long o) {
    return new Limits(cpus, memoryBytes, timeout, o, maxLogBytes, maxProcesses, workBytes);
  }

  public Limits withCpus(int c) {
    return new Limits(
        c, memoryBytes, timeout, maxOutputBytes, maxLogBytes, maxProcesses, workBytes);
  }
}
