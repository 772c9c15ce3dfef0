package org.jgolem.compute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.SubtaskRun;

/**
 * Turns a wire subtask definition into what the task computer runs (the provider's and the
 * requestor's recompute).
 */
public final class Programs {
  public static final int LOG_BYTES = 64 * 1024;
  public static final int MAX_PROCESSES = 256;

  private Programs() {}

  /**
   * The id a provider runs subtask {@code subtaskId} (32 bytes) under: {@code st-} and the first 16
   * bytes in hex. It names the sandbox and seeds a WASM run's virtual clock and random, so whoever
   * re-computes the subtask (Concent) must run it under the same id to see the same inputs.
   */
  public static String runId(byte[] subtaskId) {
    String hex = HexFormat.of().formatHex(subtaskId);
    return "st-" + hex.substring(0, Math.min(32, hex.length()));
  }

  /**
   * The execution of {@code d} (a definition of one run) with its resources in {@code resources}. A
   * WASM subtask's binary is the resources' file named by the entry point, pinned by the SHA-256 in
   * {@code image}; a Docker subtask's image is pinned by its id.
   */
  public static ExecutionSpec spec(
      String id, SubtaskDefinition d, Path resources, Path work, Path output) {
    if (!d.runs().isEmpty())
      throw new IllegalArgumentException(
          "a definition of " + d.runs().size() + " runs is executed, not specified");
    var l = d.limits();
    return new ExecutionSpec(
        id,
        program(d, resources),
        d.entryPoint(),
        d.args(),
        Map.of(),
        resources,
        work,
        output,
        limits(d, Duration.ofSeconds(l.timeoutSeconds()), l.maxOutputBytes()));
  }

  /**
   * Starts {@code d} in {@code computer}: its one execution, or, for a definition that groups
   * several runs, each run one after the other ({@link SubtaskRun}: inputs in {@code
   * resources/<run>}, scratch in {@code work/<run>}, outputs in {@code output/<run>}), with the
   * definition's time and output limits shared by all of them. The returned execution ends when the
   * last run has succeeded or at the first that fails (its failure, naming the run); cancelling it
   * stops the run in progress and starts no other.
   */
  public static Execution execute(
      TaskComputer computer,
      String id,
      SubtaskDefinition d,
      Path resources,
      Path work,
      Path output,
      String session) {
    if (d.runs().isEmpty())
      return computer.run(spec(id, d, resources, work, output).withSession(session));
    Execution all = new Execution(id);
    new Runs(computer, id, d, program(d, resources), resources, work, output, session, all).next();
    return all;
  }

  private static Program program(SubtaskDefinition d, Path resources) {
    return switch (d.environment()) {
      case "wasm" -> {
        if (!d.image().startsWith("sha256:") || d.image().length() != 71) {
          throw new IllegalArgumentException(
              "wasm image must be sha256:<64 hex>, got " + d.image());
        }
        if (d.entryPoint().contains("/")
            || d.entryPoint().equals("..")
            || d.entryPoint().equals(".")) {
          throw new IllegalArgumentException(
              "wasm entry point must be a file name, got " + d.entryPoint());
        }
        yield new Program.WasmBinary(
            resources.resolve(d.entryPoint()), HexFormat.of().parseHex(d.image().substring(7)));
      }
      case "docker" -> new Program.DockerImage(d.image(), d.image());
      default -> throw new IllegalArgumentException("unknown environment " + d.environment());
    };
  }

  private static Limits limits(SubtaskDefinition d, Duration timeout, long maxOutputBytes) {
    var l = d.limits();
    return new Limits(
        l.cpuCores(),
        l.memoryMib() * Limits.MIB,
        timeout,
        maxOutputBytes,
        LOG_BYTES,
        MAX_PROCESSES,
        64 * Limits.MIB);
  }

  /** The runs of one grouped definition, each started when the one before has succeeded. */
  private static final class Runs {
    private final TaskComputer computer;
    private final String id;
    private final SubtaskDefinition d;
    private final Program program;
    private final Path resources;
    private final Path work;
    private final Path output;
    private final String session;
    private final Execution all;
    private final long startedNanos = System.nanoTime();
    private final List<ExecutionResult.OutputFile> outputs = new ArrayList<>();
    private int next;
    private long outputBytes;
    private long cpuNanos;
    private long peakMemory = -1;

    Runs(
        TaskComputer computer,
        String id,
        SubtaskDefinition d,
        Program program,
        Path resources,
        Path work,
        Path output,
        String session,
        Execution all) {
      this.computer = computer;
      this.id = id;
      this.d = d;
      this.program = program;
      this.resources = resources;
      this.work = work;
      this.output = output;
      this.session = session;
      this.all = all;
    }

    /** Starts the next run, or ends the whole (all done, cancelled, out of time or output room). */
    void next() {
      List<SubtaskRun> runs = d.runs();
      if (all.isCancelled()) {
        end(
            FailureReason.CANCELLED,
            "cancelled after " + next + " of " + runs.size() + " runs",
            Optional.empty(),
            CapturedLog.EMPTY,
            CapturedLog.EMPTY);
        return;
      }
      if (next == runs.size()) {
        all.complete(
            new ExecutionResult(
                id,
                program.environment(),
                Optional.empty(),
                Optional.of(0),
                CapturedLog.EMPTY,
                CapturedLog.EMPTY,
                outputs,
                usage(),
                elapsed()));
        return;
      }
      SubtaskRun run = runs.get(next);
      Duration left = Duration.ofSeconds(d.limits().timeoutSeconds()).minus(elapsed());
      if (left.compareTo(Duration.ofMillis(1)) < 0) {
        end(
            FailureReason.TIMEOUT,
            "the "
                + runs.size()
                + " runs took longer than "
                + d.limits().timeoutSeconds()
                + " s; "
                + next
                + " had ended",
            Optional.empty(),
            CapturedLog.EMPTY,
            CapturedLog.EMPTY);
        return;
      }
      long room = d.limits().maxOutputBytes() - outputBytes;
      if (room < 1) {
        end(
            FailureReason.OUTPUT_TOO_LARGE,
            "the runs before run "
                + run.name()
                + " used all "
                + d.limits().maxOutputBytes()
                + " bytes of output",
            Optional.empty(),
            CapturedLog.EMPTY,
            CapturedLog.EMPTY);
        return;
      }
      ExecutionSpec spec;
      try {
        spec =
            new ExecutionSpec(
                    id + "-" + next,
                    program,
                    d.entryPoint(),
                    run.args(),
                    Map.of(),
                    resources.resolve(run.name()),
                    Files.createDirectories(work.resolve(run.name())),
                    Files.createDirectories(output.resolve(run.name())),
                    limits(d, left, room),
                    null)
                .withSession(session);
      } catch (IOException e) {
        end(
            FailureReason.ENVIRONMENT_ERROR,
            "run " + run.name() + ": cannot make its folders: " + e.getMessage(),
            Optional.empty(),
            CapturedLog.EMPTY,
            CapturedLog.EMPTY);
        return;
      }
      next++;
      Execution x = computer.run(spec);
      all.onCancel(x::cancel);
      x.result()
          .whenComplete((r, t) -> {
            if (t != null) {
              end(
                  FailureReason.ENVIRONMENT_ERROR,
                  "run " + run.name() + ": " + t,
                  Optional.empty(),
                  CapturedLog.EMPTY,
                  CapturedLog.EMPTY);
              return;
            }
            for (ExecutionResult.OutputFile f : r.outputs()) {
              outputs.add(new ExecutionResult.OutputFile(run.name() + "/" + f.path(), f.size()));
              outputBytes += f.size();
            }
            cpuNanos =
                cpuNanos < 0 || r.usage().cpuNanos() < 0 ? -1 : cpuNanos + r.usage().cpuNanos();
            peakMemory = Math.max(peakMemory, r.usage().peakMemoryBytes());
            if (r.succeeded()) {
              next();
            } else {
              var f = r.failure().get();
              end(
                  f.reason(),
                  "run "
                      + run.name()
                      + " ("
                      + next
                      + " of "
                      + d.runs().size()
                      + "): "
                      + f.message(),
                  r.exitCode(),
                  r.stdout(),
                  r.stderr());
            }
          });
    }

    private void end(
        FailureReason reason,
        String message,
        Optional<Integer> exit,
        CapturedLog out,
        CapturedLog err) {
      all.complete(
          new ExecutionResult(
              id,
              program.environment(),
              Optional.of(new ExecutionResult.Failure(reason, message)),
              exit,
              out,
              err,
              outputs,
              usage(),
              elapsed()));
    }

    private ExecutionResult.ResourceUsage usage() {
      return new ExecutionResult.ResourceUsage(peakMemory, cpuNanos);
    }

    private Duration elapsed() {
      return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
  }
}
