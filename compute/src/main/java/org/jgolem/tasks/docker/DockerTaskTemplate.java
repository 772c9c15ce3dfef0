package org.jgolem.tasks.docker;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jgolem.protocol.messages.market.ResourceLimits;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.TaskTemplate;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.OptionReader;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;

/**
 * Generic Docker tasks: a whitelisted image (named, and pinned by its image id) and a command per
 * subtask. Options:
 *
 * <pre>
 * "options": {
 *   "image": "jgolem/runtime", "image_id": "sha256:…",
 *   "input_dir": "in",            // optional: shared inputs; a sub-folder named like a subtask adds its own
 *   "output_dir": "out",
 *   "memory_mib": 256, "cpus": 1, // optional
 *   "subtasks": { "s1": { "command": ["/bin/sh", "-c", "…"], "output_file_paths": ["r.txt"] } }
 * }
 * </pre>
 *
 * Providers only run images on their own whitelist; results are checked by redundancy (two by
 * default).
 */
public final class DockerTaskTemplate implements TaskTemplate {
  private static final List<String> KNOWN =
      List.of("cpus", "image", "image_id", "input_dir", "memory_mib", "output_dir", "subtasks");

  @Override
  public String type() {
    return "docker";
  }

  @Override
  public TaskPlan plan(TaskFile file, Path staging) throws TaskFileException {
    Problems p = new Problems();
    JsonNode o = file.options();
    OptionReader.unknownFields(o, "$.options", KNOWN, p);
    OptionReader.string(o, "$.options", "image", p);
    String imageId = OptionReader.string(o, "$.options", "image_id", p);
    if (imageId != null && !imageId.matches("sha256:[0-9a-f]{64}")) {
      p.add("$.options.image_id", "must be a Docker image id sha256:<64 lowercase hex>");
    }
    Path inputDir = null;
    if (o.has("input_dir")) {
      String in = OptionReader.string(o, "$.options", "input_dir", p);
      if (in != null) {
        inputDir = TaskFileParser.resolve(file.baseDir(), in);
        if (!Files.isDirectory(inputDir))
          p.add("$.options.input_dir", "is not a folder: " + inputDir);
      }
    }
    String out = OptionReader.string(o, "$.options", "output_dir", p);
    Path outputDir = out == null ? null : TaskFileParser.resolve(file.baseDir(), out);
    if (outputDir != null && Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
      p.add("$.options.output_dir", "exists and is not a folder: " + outputDir);
    }
    long memory = OptionReader.integer(o, "$.options", "memory_mib", 16, 64 * 1024, 256, p);
    int cpus = (int) OptionReader.integer(o, "$.options", "cpus", 1, 64, 1, p);
    JsonNode subs = o.get("subtasks");
    List<PlannedSubtask> planned = new ArrayList<>();
    if (subs == null || !subs.isObject() || subs.isEmpty()) {
      p.add("$.options.subtasks", "must be an object with at least one subtask");
    } else {
      var it = subs.fields();
      while (it.hasNext()) {
        var e = it.next();
        String path = "$.options.subtasks." + e.getKey();
        if (!OptionReader.safeName(e.getKey())) {
          p.add(
              "$.options.subtasks",
              "subtask name \"" + e.getKey() + "\" must be 1-64 characters of [A-Za-z0-9_.-]");
          continue;
        }
        JsonNode s = e.getValue();
        if (!s.isObject()) {
          p.add(path, "must be an object with command and output_file_paths");
          continue;
        }
        OptionReader.unknownFields(s, path, List.of("command", "output_file_paths"), p);
        List<String> cmd = OptionReader.strings(s.get("command"), path + ".command", 256, p, true);
        if (!cmd.isEmpty() && !cmd.get(0).startsWith("/")) {
          p.add(
              path + ".command[0]",
              "must be an absolute path inside the image, got \"" + cmd.get(0) + "\"");
        }
        List<String> outs =
            OptionReader.strings(
                s.get("output_file_paths"), path + ".output_file_paths", 64, p, true);
        OptionReader.outputPaths(outs, path + ".output_file_paths", p);
        if (cmd.isEmpty() || imageId == null) continue;
        Path res = staging.resolve(e.getKey());
        try {
          Files.createDirectories(res);
          if (inputDir != null && Files.isDirectory(inputDir)) {
            List<Path> children;
            try (var list = Files.list(inputDir)) {
              children = list.sorted().toList();
            }
            for (Path child : children) {
              if (Files.isDirectory(child) && subs.has(child.getFileName().toString())) continue;
              FileResults.stage(child, res.resolve(child.getFileName().toString()));
            }
            Path own = inputDir.resolve(e.getKey());
            if (Files.isDirectory(own)) FileResults.stage(own, res);
          }
        } catch (IOException ex) {
          p.add(path, "inputs cannot be staged: " + ex.getMessage());
          continue;
        }
        planned.add(
            new PlannedSubtask(
                e.getKey(),
                res,
                "docker",
                imageId,
                cmd.get(0),
                cmd.subList(1, cmd.size()),
                outs,
                new ResourceLimits(cpus, memory, file.subtaskTimeout().toSeconds(), 64L << 20)));
      }
    }
    p.throwIfAny(file.file().toString());
    return new Plan(file, outputDir, planned);
  }

  private record Plan(TaskFile file, Path outputDir, List<PlannedSubtask> subtasks)
      implements TaskPlan {
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
      return FileResults.mergeIntoFolders(accepted, outputDir);
    }
  }
}
