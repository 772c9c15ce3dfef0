package org.jgolem.node.tasks.wasm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jgolem.node.tasks.FileResults;
import org.jgolem.node.tasks.PlannedSubtask;
import org.jgolem.node.tasks.TaskPlan;
import org.jgolem.node.tasks.TaskTemplate;
import org.jgolem.node.tasks.Verdict;
import org.jgolem.node.tasks.definition.Problems;
import org.jgolem.node.tasks.definition.TaskFile;
import org.jgolem.node.tasks.definition.TaskFileException;
import org.jgolem.protocol.messages.market.ResourceLimits;

/**
 * gWASM tasks (Golem's {@code "type": "wasm"}): one WebAssembly binary, one input folder per subtask,
 * each subtask run with its own {@code exec_args}. A subtask's resources are the binary plus its input
 * folder's files; results are verified by redundancy (two providers by default), since wasm runs
 * deterministically.
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
      throw new TaskFileException(file.file().toString(), List.of(new Problems.Problem("$.options.wasm_name",
          "cannot be read: " + e.getMessage())));
    }
    String binary = o.wasm().getFileName().toString();
    ResourceLimits limits = new ResourceLimits(1, MEMORY_MIB, file.subtaskTimeout().toSeconds(), MAX_OUTPUT_BYTES);
    List<PlannedSubtask> subtasks = new ArrayList<>();
    for (GwasmOptions.Subtask s : o.subtasks().values()) {
      Path res = staging.resolve(s.name());
      try {
        if (Files.exists(s.inputDir().resolve(binary))) {
          p.add("$.options.subtasks." + s.name(), "its input folder holds a file named like the binary (" + binary + ")");
          continue;
        }
        // checked now, staged when needed (prepare): linking every subtask's inputs up front cost 0.3 ms a
        // subtask before a large task could even be announced
        FileResults.checkStageable(s.inputDir());
      } catch (IOException e) {
        p.add("$.options.subtasks." + s.name(), "inputs cannot be staged: " + e.getMessage());
        continue;
      }
      subtasks.add(new PlannedSubtask(s.name(), res, "wasm", image, binary, s.execArgs(), s.outputFilePaths(), limits));
    }
    p.throwIfAny(file.file().toString());
    Map<String, Path> inputs = new java.util.HashMap<>();
    for (GwasmOptions.Subtask s : o.subtasks().values()) inputs.put(s.name(), s.inputDir());
    return new Plan(file, o, subtasks, inputs);
  }

  private record Plan(TaskFile file, GwasmOptions options, List<PlannedSubtask> subtasks, Map<String, Path> inputs)
      implements TaskPlan {
    /** Stages the subtask's inputs and the binary into its resources folder, once (a sibling, then moved in). */
    @Override
    public synchronized void prepare(PlannedSubtask subtask) throws IOException {
      Path res = subtask.resources();
      if (Files.isDirectory(res)) return;
      Path part = res.resolveSibling(res.getFileName() + ".part");
      org.jgolem.node.compute.OutputFiles.deleteTree(part);
      FileResults.stage(inputs.get(subtask.name()), part);
      FileResults.stage(options.wasm(), part.resolve(options.wasm().getFileName().toString()));
      Files.move(part, res, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public TaskFile.Verification defaultVerification() {
      return new TaskFile.Verification(2, 0);
    }

    @Override
    public Verdict check(PlannedSubtask subtask, Path result) throws IOException {
      return FileResults.expectExactly(result, subtask.outputPaths());
    }

    @Override
    public Path merge(Map<String, Path> accepted) throws IOException {
      return FileResults.mergeIntoFolders(accepted, options.outputDir());
    }
  }
}
