package org.jgolem.node.tasks.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jgolem.node.tasks.definition.Problems;
import org.jgolem.node.tasks.definition.TaskFile;
import org.jgolem.node.tasks.definition.TaskFileException;
import org.jgolem.node.tasks.definition.TaskFileParser;

/**
 * The {@code options} of a gWASM task, in Golem's format: {@code js_name}, {@code wasm_name},
 * {@code input_dir}, {@code output_dir}, and {@code subtasks} (name → {@code exec_args},
 * {@code output_file_paths}). The input folder holds the wasm binary and one folder of input files per
 * subtask, named like the subtask.
 *
 * @param jsName kept for compatibility with Golem's files; jgolem runs the module through WASI, not JS glue
 * @param wasm the binary, inside the input folder
 * @param subtasks in file order
 */
public record GwasmOptions(String jsName, Path wasm, Path inputDir, Path outputDir, Map<String, Subtask> subtasks) {

  /** One subtask: its arguments, the files it must produce, and its input folder. */
  public record Subtask(String name, List<String> execArgs, List<String> outputFilePaths, Path inputDir) {
    public Subtask {
      execArgs = List.copyOf(execArgs);
      outputFilePaths = List.copyOf(outputFilePaths);
    }
  }

  public static final int MAX_ARGS = 256;
  public static final int MAX_ARG_LENGTH = 4096;
  public static final int MAX_OUTPUTS = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final List<String> KNOWN = List.of("input_dir", "js_name", "output_dir", "subtasks", "wasm_name");

  public GwasmOptions {
    subtasks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subtasks));
  }

  /** Validates a parsed task file's options; every problem is named with its JSON path. */
  public static GwasmOptions parse(TaskFile task) throws TaskFileException {
    Problems p = new Problems();
    JsonNode o = task.options();
    o.fieldNames().forEachRemaining(f -> {
      if (!KNOWN.contains(f)) p.add("$.options." + f, "unknown field (known: " + String.join(", ", KNOWN) + ")");
    });
    String js = string(o, "js_name", p);
    String wasmName = string(o, "wasm_name", p);
    String in = string(o, "input_dir", p);
    String out = string(o, "output_dir", p);
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
      if (!safeRelative(wasmName)) {
        p.add("$.options.wasm_name", "must be a file name inside input_dir, got \"" + wasmName + "\"");
      } else if (inputDir != null) {
        wasm = inputDir.resolve(wasmName).normalize();
        if (!Files.isRegularFile(wasm)) p.add("$.options.wasm_name", "no such file in input_dir: " + wasm);
        else if (!isWasm(wasm)) p.add("$.options.wasm_name", "is not a WebAssembly binary (no \\0asm header): " + wasm);
      }
    }
    if (js != null && !safeRelative(js)) p.add("$.options.js_name", "must be a file name, got \"" + js + "\"");
    Path outputDir = null;
    if (out != null) {
      outputDir = TaskFileParser.resolve(task.baseDir(), out);
      if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
        p.add("$.options.output_dir", "exists and is not a folder: " + outputDir);
      } else if (inputDir != null && (outputDir.startsWith(inputDir) || inputDir.startsWith(outputDir))) {
        p.add("$.options.output_dir", "must not be inside input_dir, nor contain it");
      }
    }
    Map<String, Subtask> subtasks = subtasks(o.get("subtasks"), inputDir, p);
    task.subtasksCount().ifPresent(n -> {
      if (!subtasks.isEmpty() && n != subtasks.size()) {
        p.add("$.subtasks_count", "is " + n + " but options.subtasks lists " + subtasks.size());
      }
    });
    p.throwIfAny(task.file().toString());
    return new GwasmOptions(js, wasm, inputDir, outputDir, subtasks);
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
      if (!NAME.matcher(name).matches()) {
        p.add("$.options.subtasks", "subtask name \"" + name + "\" must be 1-64 characters of [A-Za-z0-9_.-]");
        continue;
      }
      JsonNode s = e.getValue();
      if (!s.isObject()) {
        p.add(path, "must be an object with exec_args and output_file_paths");
        continue;
      }
      s.fieldNames().forEachRemaining(f -> {
        if (!f.equals("exec_args") && !f.equals("output_file_paths")) {
          p.add(path + "." + f, "unknown field (known: exec_args, output_file_paths)");
        }
      });
      List<String> args = strings(s.get("exec_args"), path + ".exec_args", MAX_ARGS, p, false);
      List<String> outs = strings(s.get("output_file_paths"), path + ".output_file_paths", MAX_OUTPUTS, p, true);
      for (int i = 0; i < outs.size(); i++) {
        if (!safeRelativePath(outs.get(i))) {
          p.add(path + ".output_file_paths[" + i + "]", "must be a relative path inside the output folder, got \""
              + outs.get(i) + "\"");
        }
      }
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

  private static List<String> strings(JsonNode n, String path, int max, Problems p, boolean nonEmpty) {
    List<String> out = new ArrayList<>();
    if (n == null || !n.isArray()) {
      p.add(path, n == null ? "is missing" : "must be a list of strings");
      return out;
    }
    if (n.size() > max) p.add(path, "has more than " + max + " entries");
    if (nonEmpty && n.isEmpty()) p.add(path, "must name at least one file");
    for (int i = 0; i < n.size() && i < max; i++) {
      JsonNode e = n.get(i);
      if (!e.isTextual()) p.add(path + "[" + i + "]", "must be a string");
      else if (e.asText().length() > MAX_ARG_LENGTH || e.asText().indexOf('\0') >= 0) {
        p.add(path + "[" + i + "]", "must be at most " + MAX_ARG_LENGTH + " characters, without NUL");
      } else out.add(e.asText());
    }
    return out;
  }

  private static String string(JsonNode o, String field, Problems p) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      p.add("$.options." + field, "is missing");
      return null;
    }
    if (!n.isTextual() || n.asText().isEmpty()) {
      p.add("$.options." + field, "must be a non-empty string");
      return null;
    }
    return n.asText();
  }

  /** A single file name: no separators, not "." or "..". */
  static boolean safeRelative(String s) {
    return !s.isEmpty() && !s.contains("/") && !s.contains("\\") && !s.equals(".") && !s.equals("..")
        && s.indexOf('\0') < 0;
  }

  /** A relative path whose every segment is a safe name. */
  static boolean safeRelativePath(String s) {
    if (s.isEmpty() || s.startsWith("/")) return false;
    for (String seg : s.split("/", -1)) {
      if (!safeRelative(seg)) return false;
    }
    return true;
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
