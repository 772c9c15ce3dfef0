package org.jgolem.tasks.wasm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.protocol.messages.market.SubtaskRun;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplate;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;

/**
 * gWASM tasks (Golem's {@code "type": "wasm"}): one WebAssembly binary, one input folder per
 * subtask, each subtask run with its own {@code exec_args}. A subtask's resources are the binary
 * plus its input folder's files; results are verified by redundancy (two providers by default),
 * since wasm runs deterministically. With {@code subtasks_per_assignment} above 1, consecutive
 * subtasks are assigned together (see {@link GwasmOptions#perAssignment()}): an assignment's
 * resources hold the binary and one folder per subtask, its result one folder per subtask.
 */
public final class GwasmTemplate implements TaskTemplate {
  public static final long MEMORY_MIB = 128;
  public static final long MAX_OUTPUT_BYTES = 64L << 20;

  @Override
  public String type() {
    return "wasm";
  }

  @Override
  public TaskPlan plan(TaskFile file, Path staging) throws TaskFileException {
    GwasmOptions o = GwasmOptions.parse(file);
    Problems p = new Problems();
    String image;
    try {
      image = "sha256:" + HexFormat.of().formatHex(FileResults.sha256(o.wasm()));
    } catch (IOException e) {
      throw new TaskFileException(
          file.file().toString(),
          List.of(
              new Problems.Problem("$.options.wasm_name", "cannot be read: " + e.getMessage())));
    }
    String binary = o.wasm().getFileName().toString();
    List<GwasmOptions.Subtask> all = new ArrayList<>(o.subtasks().values());
    for (GwasmOptions.Subtask s : all) {
      try {
        if (Files.exists(s.inputDir().resolve(binary))) {
          p.add(
              "$.options.subtasks." + s.name(),
              "its input folder holds a file named like the binary (" + binary + ")");
          continue;
        }
        // checked now, staged when needed (prepare): linking every subtask's inputs up front made a
        // large task
        // wait for folders and links of all its subtasks before it could even be announced
        FileResults.checkStageable(s.inputDir());
      } catch (IOException e) {
        p.add("$.options.subtasks." + s.name(), "inputs cannot be staged: " + e.getMessage());
      }
    }
    p.throwIfAny(file.file().toString());
    List<PlannedSubtask> subtasks = new ArrayList<>();
    int per = o.perAssignment();
    for (int i = 0; i < all.size(); i += per) {
      if (per == 1) {
        GwasmOptions.Subtask s = all.get(i);
        ResourceLimits limits =
            new ResourceLimits(1, MEMORY_MIB, file.subtaskTimeout().toSeconds(), MAX_OUTPUT_BYTES);
        subtasks.add(
            new PlannedSubtask(
                s.name(),
                staging.resolve(s.name()),
                "wasm",
                image,
                binary,
                s.execArgs(),
                s.outputFilePaths(),
                limits));
        continue;
      }
      // an assignment of several subtasks, named after its first: each runs alone, inputs and
      // outputs in a folder of
      // its name; the time limit is theirs together
      List<GwasmOptions.Subtask> group = all.subList(i, Math.min(all.size(), i + per));
      List<SubtaskRun> runs = new ArrayList<>();
      for (GwasmOptions.Subtask s : group)
        runs.add(new SubtaskRun(s.name(), s.execArgs(), s.outputFilePaths()));
      long timeout =
          Math.min(
              ResourceLimits.MAX_TIMEOUT_SECONDS, file.subtaskTimeout().toSeconds() * group.size());
      ResourceLimits limits = new ResourceLimits(1, MEMORY_MIB, timeout, MAX_OUTPUT_BYTES);
      String name = group.get(0).name();
      subtasks.add(
          new PlannedSubtask(
              name,
              staging.resolve(name),
              "wasm",
              image,
              binary,
              List.of(),
              List.of(),
              limits,
              runs));
    }
    Map<String, Path> inputs = new java.util.HashMap<>();
    for (GwasmOptions.Subtask s : all) inputs.put(s.name(), s.inputDir());
    return new Plan(file, o, subtasks, inputs);
  }

  private record Plan(
      TaskFile file, GwasmOptions options, List<PlannedSubtask> subtasks, Map<String, Path> inputs)
      implements TaskPlan {
    /**
     * Stages the subtask's inputs and the binary into its resources folder, once (a sibling, then
     * moved in); an assignment of several subtasks gets each one's inputs in a folder of its name.
     */
    @Override
    public synchronized void prepare(PlannedSubtask subtask) throws IOException {
      Path res = subtask.resources();
      if (Files.isDirectory(res)) return;
      Path part = res.resolveSibling(res.getFileName() + ".part");
      FileTrees.delete(part);
      if (subtask.runs().isEmpty()) {
        FileResults.stage(inputs.get(subtask.name()), part);
      } else {
        for (SubtaskRun r : subtask.runs())
          FileResults.stage(inputs.get(r.name()), part.resolve(r.name()));
      }
      FileResults.stage(options.wasm(), part.resolve(options.wasm().getFileName().toString()));
      Files.move(part, res, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public TaskFile.Verification defaultVerification() {
      return new TaskFile.Verification(2, 0);
    }

    /**
     * Exactly the expected files: an assignment's, each of its subtasks' in the folder of the
     * subtask's name.
     */
    @Override
    public Verdict check(PlannedSubtask subtask, Path result) throws IOException {
      if (subtask.runs().isEmpty()) return FileResults.expectExactly(result, subtask.outputPaths());
      List<String> expected = new ArrayList<>();
      for (SubtaskRun r : subtask.runs()) {
        for (String f : r.outputPaths()) expected.add(r.name() + "/" + f);
      }
      return FileResults.expectExactly(result, expected);
    }

    /**
     * Each subtask's files into {@code output_dir/<subtask>}, whether it was assigned alone or with
     * others.
     */
    @Override
    public Path merge(Map<String, Path> accepted) throws IOException {
      Map<String, Path> bySubtask = new java.util.LinkedHashMap<>();
      Map<String, PlannedSubtask> planned = new java.util.HashMap<>();
      for (PlannedSubtask s : subtasks) planned.put(s.name(), s);
      for (var e : accepted.entrySet()) {
        PlannedSubtask s = planned.get(e.getKey());
        if (s == null || s.runs().isEmpty()) {
          bySubtask.put(e.getKey(), e.getValue());
        } else {
          for (SubtaskRun r : s.runs()) bySubtask.put(r.name(), e.getValue().resolve(r.name()));
        }
      }
      return FileResults.mergeIntoFolders(bySubtask, options.outputDir());
    }
  }
}
