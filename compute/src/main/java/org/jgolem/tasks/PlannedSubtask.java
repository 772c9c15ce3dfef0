package org.jgolem.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskRun;

/**
 * One subtask as a template plans it: the folder of resources the requestor publishes for it, and
 * everything of the wire {@link SubtaskDefinition} but the resources' content id (known once
 * published).
 *
 * @param name unique within the task ({@code subtask1}, {@code tile-3})
 * @param resources a folder that becomes {@code /golem/resources} on the provider
 * @param image Docker: {@code sha256:<image id>}; WASM: {@code sha256:<hex of the binary>}
 * @param entryPoint Docker: the command; WASM: the binary's file name inside the resources
 * @param outputPaths files (relative to {@code /golem/output}) the provider must send back
 * @param runs empty, or the task's small subtasks this one groups into one assignment (see {@link
 *     SubtaskRun}): each runs the program with its own arguments, inputs in {@code resources/<run>}
 *     and outputs in {@code <output>/<run>}; {@code args} and {@code outputPaths} are then empty
 */
public record PlannedSubtask(
    String name,
    Path resources,
    String environment,
    String image,
    String entryPoint,
    List<String> args,
    List<String> outputPaths,
    ResourceLimits limits,
    List<SubtaskRun> runs) {

  /** A subtask of one run. */
  public PlannedSubtask(
      String name,
      Path resources,
      String environment,
      String image,
      String entryPoint,
      List<String> args,
      List<String> outputPaths,
      ResourceLimits limits) {
    this(name, resources, environment, image, entryPoint, args, outputPaths, limits, List.of());
  }

  public PlannedSubtask {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(entryPoint, "entryPoint");
    args = List.copyOf(args);
    outputPaths = List.copyOf(outputPaths);
    Objects.requireNonNull(limits, "limits");
    runs = List.copyOf(runs);
  }

  /** The wire definition, once the resources are published under {@code resourcesCid}. */
  public SubtaskDefinition definition(String resourcesCid) {
    return new SubtaskDefinition(
        environment, image, resourcesCid, entryPoint, args, outputPaths, limits, runs);
  }
}
