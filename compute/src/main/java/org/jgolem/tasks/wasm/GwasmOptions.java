package org.jgolem.tasks.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.tasks.definition.OptionReader;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFile;
import org.jgolem.tasks.definition.TaskFileException;
import org.jgolem.tasks.definition.TaskFileParser;

/**
 * The {@code options} of a gWASM task, in Golem's format: {@code js_name}, {@code wasm_name},
 * {@code input_dir}, {@code output_dir}, and {@code subtasks} (name → {@code exec_args}, {@code
 * output_file_paths}). The input folder holds the wasm binary and one folder of input files per
 * subtask, named like the subtask.
 *
 * @param jsName kept for compatibility with Golem's files; jgolem runs the module through WASI, not
 *     JS glue
 * @param wasm the binary, inside the input folder
 * @param subtasks in file order
 * @param perAssignment {@code subtasks_per_assignment} (jgolem's, optional, 1 by default, at most
 *     {@value #MAX_PER_ASSIGNMENT}): how many subtasks, in file order, one provider is given in one
 *     assignment; for tasks of many tiny subtasks, where a subtask's own work is smaller than what
 *     assigning, reporting and verifying it costs. Each still runs alone in its sandbox and its
 *     output is checked alone; the assignment is verified, paid and reassigned as one (its time
 *     limit is the subtask timeout times its subtasks)
 */
public record GwasmOptions(
    String jsName,
    Path wasm,
    Path inputDir,
    Path outputDir,
    Map<String, Subtask> subtasks,
    int perAssignment) {

  /** One subtask: its arguments, the files it must produce, and its input folder. */
  public record Subtask(
      String name, List<String> execArgs, List<String> outputFilePaths, Path inputDir) {
    public Subtask {
      execArgs = List.copyOf(execArgs);
      outputFilePaths = List.copyOf(outputFilePaths);
    }
  }

  public static final int MAX_ARGS = 256;
  public static final int MAX_OUTPUTS = 64;
  public static final int MAX_PER_ASSIGNMENT =
      org.jgolem.protocol.messages.market.SubtaskDefinition.MAX_RUNS;
  private static final List<String> KNOWN =
      List.of(
          "input_dir", "js_name", "output_dir", "subtasks", "subtasks_per_assignment", "wasm_name");

  public GwasmOptions {
    subtasks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subtasks));
  }

  /** Validates a parsed task file's options; every problem is named with its JSON path. */
  public static GwasmOptions parse(TaskFile task) throws TaskFileException {
    Problems p = new Problems();
    JsonNode o = task.options();
    OptionReader.unknownFields(o, "$.options", KNOWN, p);
    String js = OptionReader.string(o, "$.options", "js_name", p);
    String wasmName = OptionReader.string(o, "$.options", "wasm_name", p);
    String in = OptionReader.string(o, "$.options", "input_dir", p);
    String out = OptionReader.string(o, "$.options", "output_dir", p);
    Path inputDir = null;
    Path wasm = null;
    if (in != null) {
      inputDir = TaskFileParser.resolve(task.baseDir(), in);
      if (!Files.isDirectory(inputDir)) {
        p.add("$.options.input_dir", "is not a folder: " + inputDir);
        inputDir = null;
      }
    }
    if (wasmName != null) {
      if (!OptionReader.safeSegment(wasmName)) {
        p.add(
            "$.options.wasm_name",
            "must be a file name inside input_dir, got \"" + wasmName + "\"");
      } else if (inputDir != null) {
        wasm = inputDir.resolve(wasmName).normalize();
        if (!Files.isRegularFile(wasm))
          p.add("$.options.wasm_name", "no such file in input_dir: " + wasm);
        else if (!isWasm(wasm))
          p.add("$.options.wasm_name", "is not a WebAssembly binary (no \\0asm header): " + wasm);
      }
    }
    if (js != null && !OptionReader.safeSegment(js))
      p.add("$.options.js_name", "must be a file name, got \"" + js + "\"");
    Path outputDir = null;
    if (out != null) {
      outputDir = TaskFileParser.resolve(task.baseDir(), out);
      if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
        p.add("$.options.output_dir", "exists and is not a folder: " + outputDir);
      } else if (inputDir != null
          && (outputDir.startsWith(inputDir) || inputDir.startsWith(outputDir))) {
        p.add("$.options.output_dir", "must not be inside input_dir, nor contain it");
      }
    }
    Map<String, Subtask> subtasks = subtasks(o.get("subtasks"), inputDir, p);
    int perAssignment =
        (int)
            OptionReader.integer(
                o, "$.options", "subtasks_per_assignment", 1, MAX_PER_ASSIGNMENT, 1, p);
    task.subtasksCount()
        .ifPresent(n -> {
          if (!subtasks.isEmpty() && n != subtasks.size()) {
            p.add("$.subtasks_count", "is " + n + " but options.subtasks lists " + subtasks.size());
          }
        });
    p.throwIfAny(task.file().toString());
    return new GwasmOptions(js, wasm, inputDir, outputDir, subtasks, perAssignment);
  }

  private static Map<String, Subtask> subtasks(JsonNode n, Path inputDir, Problems p) {
    Map<String, Subtask> out = new LinkedHashMap<>();
    if (n == null || n.isNull()) {
      p.add("$.options.subtasks", "is missing");
      return out;
    }
    if (!n.isObject() || n.isEmpty()) {
      p.add("$.options.subtasks", "must be an object with at least one subtask");
      return out;
    }
    if (n.size() > TaskFileParser.MAX_SUBTASKS) {
      p.add("$.options.subtasks", "has more than " + TaskFileParser.MAX_SUBTASKS + " subtasks");
      return out;
    }
    var it = n.fields();
    while (it.hasNext()) {
      var e = it.next();
      String name = e.getKey();
      String path = "$.options.subtasks." + name;
      if (!OptionReader.safeName(name)) {
        p.add(
            "$.options.subtasks",
            "subtask name \"" + name + "\" must be 1-64 characters of [A-Za-z0-9_.-]");
        continue;
      }
      JsonNode s = e.getValue();
      if (!s.isObject()) {
        p.add(path, "must be an object with exec_args and output_file_paths");
        continue;
      }
      OptionReader.unknownFields(s, path, List.of("exec_args", "output_file_paths"), p);
      List<String> args =
          OptionReader.strings(s.get("exec_args"), path + ".exec_args", MAX_ARGS, p, false);
      List<String> outs =
          OptionReader.strings(
              s.get("output_file_paths"), path + ".output_file_paths", MAX_OUTPUTS, p, true);
      OptionReader.outputPaths(outs, path + ".output_file_paths", p);
      Path dir = null;
      if (inputDir != null) {
        dir = inputDir.resolve(name);
        if (!Files.isDirectory(dir)) {
          p.add(path, "has no input folder " + dir);
          dir = null;
        }
      }
      out.put(name, new Subtask(name, args, outs, dir));
    }
    return out;
  }

  private static boolean isWasm(Path f) {
    try (var in = Files.newInputStream(f)) {
      byte[] h = in.readNBytes(4);
      return h.length == 4 && h[0] == 0 && h[1] == 'a' && h[2] == 's' && h[3] == 'm';
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
