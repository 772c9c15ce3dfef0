package org.jgolem.compute.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.CapturedLog;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.OutputFiles;
import org.jgolem.compute.Program;

/**
 * Runs a binary directly on the host, with no sandbox: no network, file or memory isolation. It is
 * OFF by default and exists for trusted setups (an operator rendering their own scenes) and as the
 * baseline the sandbox benchmark measures against.
 *
 * <p>What it still enforces: the wall-time limit (the whole process tree is killed), bounded logs,
 * the output limit (checked after the run), a clean environment (only the spec's variables), and
 * cancellation. Paths starting with {@code /golem/resources}, {@code /golem/work} and {@code
 * /golem/output} in arguments and variables are rewritten to the host folders, so the same subtask
 * definition runs here and in a container.
 */
public final class HostDirectEnvironment implements Environment {
  public static final String NAME = "host";

  private final boolean enabled;
  private final int cpus;
  private final long memoryBytes;

  private HostDirectEnvironment(boolean enabled, int cpus, long memoryBytes) {
    this.enabled = enabled;
    this.cpus = cpus;
    this.memoryBytes = memoryBytes;
  }

  /** The default: present, but refusing every subtask. */
  public static HostDirectEnvironment disabled() {
    return new HostDirectEnvironment(false, 0, 0);
  }

  /** Turned on by the operator, for code they trust. */
  public static HostDirectEnvironment enabledForTrustedCode(int cpus, long memoryBytes) {
    return new HostDirectEnvironment(true, cpus, memoryBytes);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Capabilities capabilities() {
    if (!enabled)
      return Capabilities.unavailable(
          NAME, "host-direct execution is turned off (it runs code unsandboxed)");
    return new Capabilities(NAME, true, "", List.of(), cpus, memoryBytes);
  }

  @Override
  public Execution start(ExecutionSpec spec) {
    long started = System.nanoTime();
    Execution x = new Execution(spec.subtaskId());
    try {
      if (!enabled) {
        throw new ComputeException(
            FailureReason.ENGINE_UNAVAILABLE,
            "host-direct execution is turned off: it runs code without a sandbox and must be enabled for trusted code");
      }
      if (!(spec.program() instanceof Program.HostBinary bin)) {
        throw new ComputeException(
            FailureReason.INVALID_SPEC,
            "the host environment runs host binaries, not " + spec.program());
      }
      spec.validate();
      Process p = launch(spec, bin.executable());
      Thread.ofPlatform()
          .name("host-" + spec.subtaskId())
          .daemon()
          .start(() -> supervise(spec, p, x, started));
    } catch (ComputeException e) {
      x.complete(ExecutionResult.failed(spec, NAME, e, elapsed(started)));
    }
    return x;
  }

  private static Process launch(ExecutionSpec spec, Path executable) throws ComputeException {
    List<String> cmd = new ArrayList<>();
    cmd.add(executable.toString());
    for (String a : spec.args()) cmd.add(rewrite(spec, a));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(spec.work().toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    spec.env().forEach((k, v) -> env.put(k, rewrite(spec, v)));
    env.put("GOLEM_RESOURCES", spec.resources().toAbsolutePath().toString());
    env.put("GOLEM_WORK", spec.work().toAbsolutePath().toString());
    env.put("GOLEM_OUTPUT", spec.output().toAbsolutePath().toString());
    try {
      return pb.start();
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.IMAGE_MISSING, "cannot start " + executable + ": " + e.getMessage(), e);
    }
  }

  static String rewrite(ExecutionSpec spec, String s) {
    for (var m :
        List.of(
            Map.entry(ExecutionSpec.RESOURCES, spec.resources()),
            Map.entry(ExecutionSpec.WORK, spec.work()),
            Map.entry(ExecutionSpec.OUTPUT, spec.output()))) {
      if (s.equals(m.getKey()) || s.startsWith(m.getKey() + "/")) {
        return m.getValue().toAbsolutePath() + s.substring(m.getKey().length());
      }
    }
    return s;
  }

  private void supervise(ExecutionSpec spec, Process p, Execution x, long started) {
    x.onCancel(() -> killTree(p));
    var out = new CapturedLog.Sink(spec.limits().maxLogBytes());
    var err = new CapturedLog.Sink(spec.limits().maxLogBytes());
    Thread o = pump(p.getInputStream(), out);
    Thread e = pump(p.getErrorStream(), err);
    boolean exited;
    try {
      exited = p.waitFor(spec.limits().timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      exited = false;
    }
    if (!exited) killTree(p);
    join(o);
    join(e);
    Duration wall = elapsed(started);
    Optional<ExecutionResult.Failure> failure = Optional.empty();
    Optional<Integer> exitCode = exited ? Optional.of(p.exitValue()) : Optional.empty();
    List<ExecutionResult.OutputFile> outputs = List.of();
    if (x.isCancelled()) {
      failure = fail(FailureReason.CANCELLED, "cancelled by the node");
    } else if (!exited) {
      failure =
          fail(
              FailureReason.TIMEOUT,
              "no exit within " + spec.limits().timeout().toMillis() + " ms; process tree killed");
    } else if (p.exitValue() != 0) {
      failure = fail(FailureReason.NON_ZERO_EXIT, "exited with status " + p.exitValue());
    } else {
      try {
        outputs = OutputFiles.list(spec.output(), spec.limits().maxOutputBytes());
      } catch (ComputeException ce) {
        failure = fail(ce.reason(), ce.getMessage());
      }
    }
    if (failure.isPresent()) {
      try {
        OutputFiles.clear(spec.output());
      } catch (IOException ignored) {
        // the failure is what the caller needs; a leftover file in its own output folder is its to
        // remove
      }
    }
    x.complete(
        new ExecutionResult(
            spec.subtaskId(),
            NAME,
            failure,
            exitCode,
            out.capture(),
            err.capture(),
            outputs,
            ExecutionResult.ResourceUsage.UNKNOWN,
            wall));
  }

  private static Optional<ExecutionResult.Failure> fail(FailureReason r, String m) {
    return Optional.of(new ExecutionResult.Failure(r, m));
  }

  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread pump(InputStream in, OutputStream sink) {
    return Thread.ofVirtual()
        .start(() -> {
          try (in) {
            in.transferTo(sink);
          } catch (IOException ignored) {
            // the stream closes when the process is killed
          }
        });
  }

  private static void join(Thread t) {
    try {
      t.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Duration elapsed(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  @Override
  public void close() {}
}
