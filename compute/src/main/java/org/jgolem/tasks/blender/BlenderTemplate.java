package org.jgolem.tasks.blender;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.Environment;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplate;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;

/**
 * Blender rendering (Golem's {@code "type": "blender"}): frames of a scene rendered with Cycles in
 * the {@code jgolem/blender} Docker image, split into tiles or groups of frames ({@link Split}),
 * each result spot-checked by the requestor (random crops re-rendered locally and compared by
 * {@link Ssim}), and the tiles merged pixel-exactly into one file per frame. Options: see {@link
 * BlenderOptions}.
 *
 * <p>Blender's output is not bit-identical across machines, so redundancy (comparing digests)
 * cannot verify it: the default verification is one provider per subtask and the plan's own check,
 * and a task file that asks for redundancy or a local recompute share is refused. The requestor
 * must therefore be able to render too: its Docker environment must allow and hold the task's image
 * (or, with {@code spot_check.environment = "host"}, host-direct execution must be on and a blender
 * binary present).
 */
public final class BlenderTemplate implements TaskTemplate {
  /** The most frames one subtask may render: a result lists at most this many files. */
  public static final int MAX_FRAMES_PER_SUBTASK = SubtaskDefinition.MAX_LIST;

  @Override
  public String type() {
    return "blender";
  }

  /**
   * Without a context there is nothing to re-render crops with, so every Blender task is refused.
   */
  @Override
  public TaskPlan plan(TaskFile file, Path staging) throws TaskFileException {
    return plan(file, staging, TaskContext.withoutComputer(staging.resolveSibling("verification")));
  }

  @Override
  public TaskPlan plan(TaskFile file, Path staging, TaskContext context) throws TaskFileException {
    Problems p = new Problems();
    BlenderOptions o = BlenderOptions.parse(file, p);
    file.verification()
        .ifPresent(v -> {
          if (v.redundancy() != 1 || v.recomputeFraction() != 0) {
            p.add(
                "$.verification",
                "Blender renders are not bit-identical across machines, so they are verified by the "
                    + "requestor's spot check (options.spot_check), not by redundancy or recomputing: leave verification out, "
                    + "or set redundancy 1 and recompute_fraction 0");
          }
        });
    List<Split.Job> jobs = List.of();
    if (!o.frames().isEmpty() && o.width() > 0 && o.height() > 0) {
      int count = file.subtasksCount().orElse(o.frames().size());
      if (count < o.frames().size()
          && (o.frames().size() + count - 1) / count > MAX_FRAMES_PER_SUBTASK) {
        p.add(
            "$.subtasks_count",
            count
                + " subtasks would render "
                + ((o.frames().size() + count - 1) / count)
                + " frames each, but a subtask renders at most "
                + MAX_FRAMES_PER_SUBTASK
                + ": use at least "
                + ((o.frames().size() + MAX_FRAMES_PER_SUBTASK - 1) / MAX_FRAMES_PER_SUBTASK));
      } else {
        try {
          jobs = Split.jobs(o.frames(), o.width(), o.height(), count);
        } catch (IllegalArgumentException e) {
          p.add("$.subtasks_count", e.getMessage());
        }
      }
    }
    verifier(o, context, p);
    p.throwIfAny(file.file().toString());

    List<PlannedSubtask> subtasks = new ArrayList<>();
    Map<String, Split.Job> byName = new LinkedHashMap<>();
    for (Split.Job job : jobs) {
      Path folder = staging.resolve(job.name());
      try {
        Files.createDirectories(folder);
        stageResources(o.resources(), folder);
        RenderJob.of(o, job).writeInto(folder);
      } catch (IOException e) {
        throw new TaskFileException(
            file.file().toString(),
            List.of(
                new Problems.Problem(
                    "$.resources",
                    "cannot be staged for subtask " + job.name() + ": " + e.getMessage())));
      }
      List<String> outputs =
          job.frames().stream().map(f -> Split.Job.outputName(f, o.format())).toList();
      subtasks.add(
          new PlannedSubtask(
              job.name(),
              folder,
              "docker",
              o.imageId(),
              BlenderPlan.LAUNCHER_ENTRY_POINT,
              RenderJob.launcherArgs(o),
              outputs,
              new ResourceLimits(
                  o.cpus(),
                  o.memoryMib(),
                  file.subtaskTimeout().toSeconds(),
                  maxOutputBytes(job))));
      byName.put(job.name(), job);
    }
    return new BlenderPlan(file, o, subtasks, byName, context);
  }

  /** Room for the job's files as uncompressed 32-bit RGB plus headers, and a MiB to spare. */
  static long maxOutputBytes(Split.Job job) {
    long pixels = (long) job.region().width() * job.region().height();
    return job.frames().size() * (pixels * 12 + (64 << 10)) + (1 << 20);
  }

  /** Problems when the requestor cannot re-render crops the way {@code o.spotCheck()} says. */
  private static void verifier(BlenderOptions o, TaskContext context, Problems p) {
    String why = "the requestor verifies every Blender result by re-rendering crops of it";
    String env = o.spotCheck().environment();
    if (context.computer().isEmpty()) {
      p.add(
          "$.options.spot_check.environment",
          why + ", but this node runs no subtasks (it has no task computer)");
      return;
    }
    Environment e = context.computer().get().environment(env);
    Capabilities c = e == null ? null : e.capabilities();
    if (c == null || !c.available()) {
      p.add(
          "$.options.spot_check.environment",
          why
              + " in its "
              + env
              + " environment, which "
              + (c == null
                  ? "this node does not have"
                  : "is unavailable: " + c.unavailableReason()));
      return;
    }
    if (env.equals("docker")) {
      if (o.imageId() != null
          && c.images().stream()
              .noneMatch(i -> i.endsWith("@" + o.imageId()) || i.equals(o.imageId()))) {
        p.add(
            "$.options.image_id",
            why
                + ", so this node's Docker environment must allow and hold "
                + o.imageId()
                + " (build it with scripts/images blender and whitelist it); it has "
                + c.images());
      }
    } else {
      Path b = o.spotCheck().blender();
      if (!Files.isRegularFile(b) || !Files.isExecutable(b)) {
        p.add(
            "$.options.spot_check.blender",
            why + " on the host, but " + b + " is not an executable file");
      }
    }
  }

  /**
   * Places the task's resources into a subtask's folder: hard links where the file is readable by
   * others (the container runs as uid 1000), copies made readable otherwise (the user's file is
   * left as it is).
   */
  static void stageResources(List<Path> resources, Path folder) throws IOException {
    for (Path r : resources) {
      Path target = folder.resolve(r.getFileName().toString());
      if (Files.getPosixFilePermissions(r).contains(PosixFilePermission.OTHERS_READ)) {
        FileResults.stage(r, target);
      } else {
        if (Files.isSymbolicLink(r))
          throw new IOException("input is a symbolic link, refused: " + r);
        Files.copy(r, target, StandardCopyOption.COPY_ATTRIBUTES);
        RenderJob.readable(target);
      }
    }
  }
}
