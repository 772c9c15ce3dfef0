package org.jgolem.compute;

import java.util.List;
import java.util.Objects;

/**
 * What one environment supports, as the node advertises it.
 *
 * @param environment "docker", "wasm" or "host"
 * @param available whether it can run subtasks now
 * @param unavailableReason why not, when it cannot (empty otherwise)
 * @param images Docker: the whitelisted images present on this node, as {@code name@sha256:...};
 *     empty otherwise
 * @param cpus cores it will use at once
 * @param memoryBytes memory it will give subtasks at most
 */
public record Capabilities(
    String environment,
    boolean available,
    String unavailableReason,
    List<String> images,
    int cpus,
    long memoryBytes) {

  public Capabilities {
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(unavailableReason, "unavailableReason");
    images = List.copyOf(images);
  }

  public static Capabilities unavailable(String environment, String why) {
    return new Capabilities(environment, false, why, List.of(), 0, 0);
  }
}
