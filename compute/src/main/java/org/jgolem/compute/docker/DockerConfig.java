package org.jgolem.compute.docker;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the Docker environment reaches its engine and what it may run.
 *
 * @param dockerHost the engine, {@code unix:///path} or {@code tcp://host:port} (TLS as
 *     DOCKER_TLS_VERIFY and DOCKER_CERT_PATH say)
 * @param nodeId names this node on the engine: every container carries it as a label, and
 *     containers with this label that an earlier run left behind are removed when the environment
 *     starts (so one environment per node id at a time)
 * @param allowedImageIds the image ids ({@code sha256:...}) that subtasks may run; nothing else
 *     runs
 * @param maxCpus the most cores one subtask may ask for, 0 for all the engine has
 * @param maxMemoryBytes the most memory one subtask may ask for, 0 for all the engine has
 */
public record DockerConfig(
    String dockerHost,
    String nodeId,
    Set<String> allowedImageIds,
    int maxCpus,
    long maxMemoryBytes) {
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  public DockerConfig {
    Objects.requireNonNull(dockerHost, "dockerHost");
    Objects.requireNonNull(nodeId, "nodeId");
    if (!dockerHost.startsWith("unix://") && !dockerHost.startsWith("tcp://")) {
      throw new IllegalArgumentException(
          "dockerHost must be unix:///path or tcp://host:port, got " + dockerHost);
    }
    if (!nodeId.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new IllegalArgumentException(
          "nodeId must be 1-64 characters of [A-Za-z0-9_.-], got '" + nodeId + "'");
    }
    allowedImageIds = Set.copyOf(new TreeSet<>(allowedImageIds));
    for (String id : allowedImageIds) {
      if (!id.matches("sha256:[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "allowed image ids must be sha256:<64 lowercase hex>, got " + id);
      }
    }
    if (maxCpus < 0) throw new IllegalArgumentException("maxCpus must not be negative");
    if (maxMemoryBytes < 0)
      throw new IllegalArgumentException("maxMemoryBytes must not be negative");
  }

  /**
   * The engine named by DOCKER_HOST, else {@value #DEFAULT_HOST}; no per-subtask caps beyond the
   * engine's.
   */
  public static DockerConfig of(String nodeId, Collection<String> allowedImageIds) {
    String env = System.getenv("DOCKER_HOST");
    return new DockerConfig(
        env == null || env.isBlank() ? DEFAULT_HOST : env,
        nodeId,
        Set.copyOf(allowedImageIds),
        0,
        0);
  }

  public DockerConfig withDockerHost(String host) {
    return new DockerConfig(host, nodeId, allowedImageIds, maxCpus, maxMemoryBytes);
  }

  public DockerConfig withAllowedImageIds(Collection<String> ids) {
    return new DockerConfig(dockerHost, nodeId, Set.copyOf(ids), maxCpus, maxMemoryBytes);
  }

  public DockerConfig withMaxCpus(int cpus) {
    return new DockerConfig(dockerHost, nodeId, allowedImageIds, cpus, maxMemoryBytes);
  }

  public DockerConfig withMaxMemoryBytes(long bytes) {
    return new DockerConfig(dockerHost, nodeId, allowedImageIds, maxCpus, bytes);
  }
}
