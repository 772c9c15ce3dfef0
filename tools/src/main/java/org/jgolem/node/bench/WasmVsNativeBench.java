package org.jgolem.node.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.wasm.WasmEnvironment;
import org.jgolem.ipfs.FileTrees;

/**
 * How much slower the WASM sandbox runs a CPU-bound C kernel than the same C compiled natively.
 *
 * <pre>WasmVsNativeBench PROGRAMS_DIR [SIZE [RUNS]]</pre>
 *
 * PROGRAMS_DIR holds kernel.wasm and kernel.native (scripts/wasm-programs builds them from
 * compute/src/test/c/kernel.c). Both get the same SIZE (default 1800: long enough natively that
 * start-up costs are small beside the kernel; docs/PERFORMANCE.md has the times) and must print the
 * same checksum. The native build runs as a process; the WASM build runs as a subtask of a {@link
 * WasmEnvironment}, timed from start() to result (thread, sandbox folders, instantiation included).
 * The first WASM run compiles the module (reported, not counted) and one more run lets the JIT
 * settle; then RUNS runs of each (default 5), interleaved, are timed and the medians compared.
 *
 * <p>The ratio compares CPU time: the native process's (user + system, as bash's {@code times}
 * reports for its child) against the guest thread's (which includes instantiating the module and
 * every WASI call). On a shared machine wall time swings with the neighbours' load while CPU time
 * does not; on an idle one the two agree. Both medians are printed.
 *
 * <p>Prints exactly one line on stdout, {@code sandbox wasm-vs-native ratio=<wasm/native CPU time,
 * 2 decimals>}; the details go to stderr.
 */
public final class WasmVsNativeBench {
  private WasmVsNativeBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: WasmVsNativeBench PROGRAMS_DIR [SIZE [RUNS]]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 1800;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path wasm = dir.resolve("kernel.wasm");
    Path nativeBin = dir.resolve("kernel.native");
    for (Path p : List.of(wasm, nativeBin)) {
      if (!Files.isRegularFile(p)) fail(p + " is missing: run scripts/wasm-programs first");
    }

    String expected = runNative(nativeBin, size).output;
    log("kernel size %d, checksum %s", size, expected.strip());

    Path work = Files.createTempDirectory("wasm-bench");
    try (var env = new WasmEnvironment(WasmEnvironment.Settings.defaults().withSlots(1))) {
      var binary =
          new Program.WasmBinary(
              wasm, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(wasm)));
      Run cold = runWasm(env, binary, work, size, "cold");
      check(expected, cold.output, "cold WASM run");
      log(
          "wasm cold run (compiles the module, JIT cold): %d ms wall, of which compiling %d ms",
          cold.nanos / 1_000_000, env.compileTime().toMillis());
      Run warmup = runWasm(env, binary, work, size, "warmup");
      check(expected, warmup.output, "WASM warm-up run");
      log(
          "wasm warm-up run (cached module): %d ms wall, %d ms cpu",
          warmup.nanos / 1_000_000, warmup.cpuNanos / 1_000_000);

      List<Long> wasmWall = new ArrayList<>(), wasmCpu = new ArrayList<>();
      List<Long> nativeWall = new ArrayList<>(), nativeCpu = new ArrayList<>();
      for (int i = 0; i < runs; i++) { // interleaved, so that load from elsewhere hits both alike
        Run n = runNative(nativeBin, size);
        check(expected, n.output, "native run");
        nativeWall.add(n.nanos);
        nativeCpu.add(n.cpuNanos);
        Run w = runWasm(env, binary, work, size, "run" + i);
        check(expected, w.output, "WASM run");
        wasmWall.add(w.nanos);
        wasmCpu.add(w.cpuNanos);
        log(
            "run %d: native %d ms cpu (%d ms wall), wasm %d ms cpu (%d ms wall)",
            i + 1,
            n.cpuNanos / 1_000_000,
            n.nanos / 1_000_000,
            w.cpuNanos / 1_000_000,
            w.nanos / 1_000_000);
      }
      if (env.compilations() != 1)
        fail("the module was compiled " + env.compilations() + " times, expected once");
      log(
          "median of %d runs, CPU time: native %d ms, wasm %d ms",
          runs, median(nativeCpu) / 1_000_000, median(wasmCpu) / 1_000_000);
      log(
          "median of %d runs, wall time: native %d ms, wasm %d ms (wall ratio %.2f)",
          runs,
          median(nativeWall) / 1_000_000,
          median(wasmWall) / 1_000_000,
          (double) median(wasmWall) / median(nativeWall));
      log("module compiled once: %d ms", env.compileTime().toMillis());
      System.out.println(
          String.format(
              Locale.ROOT,
              "sandbox wasm-vs-native ratio=%.2f",
              (double) median(wasmCpu) / median(nativeCpu)));
    } finally {
      FileTrees.delete(work);
    }
  }

  private record Run(long nanos, long cpuNanos, String output) {}

  private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s");

  /** Runs the native kernel under bash, whose {@code times} then reports the child's CPU time. */
  private static Run runNative(Path binary, int size) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "\"$0\" \"$1\"; status=$?; times >&2; exit $status",
                binary.toString(),
                Integer.toString(size))
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the native kernel did not finish in 10 minutes");
    }
    long nanos = System.nanoTime() - t0;
    if (p.exitValue() != 0)
      fail("the native kernel exited with status " + p.exitValue() + ": " + err.strip());
    // times prints two lines, the shell's then its children's: "user system"
    String[] lines = err.strip().split("\n");
    Matcher m = TIMES.matcher(lines[lines.length - 1]);
    if (!m.matches()) fail("cannot read bash's times output: " + err.strip());
    double seconds =
        Long.parseLong(m.group(1)) * 60
            + Double.parseDouble(m.group(2))
            + Long.parseLong(m.group(3)) * 60
            + Double.parseDouble(m.group(4));
    return new Run(nanos, (long) (seconds * 1e9), out);
  }

  private static Run runWasm(
      WasmEnvironment env, Program.WasmBinary binary, Path work, int size, String name)
      throws Exception {
    Path base = Files.createDirectories(work.resolve(name));
    Path resources = Files.createDirectories(base.resolve("resources"));
    Path scratch = Files.createDirectories(base.resolve("work"));
    Path output = Files.createDirectories(base.resolve("output"));
    Limits limits = Limits.defaults().withTimeout(Duration.ofMinutes(10));
    var spec =
        new ExecutionSpec(
            "bench-" + name,
            binary,
            "kernel",
            List.of(Integer.toString(size)),
            Map.of(),
            resources,
            scratch,
            output,
            limits);
    long t0 = System.nanoTime();
    ExecutionResult r = env.start(spec).result().get();
    long nanos = System.nanoTime() - t0;
    if (!r.succeeded()) fail("the WASM kernel failed: " + r + " " + r.stderr().text());
    if (r.usage().cpuNanos() < 0) fail("this JVM cannot measure thread CPU time");
    return new Run(nanos, r.usage().cpuNanos(), r.stdout().text());
  }

  private static void check(String expected, String actual, String what) {
    if (!expected.equals(actual))
      fail(what + " printed '" + actual.strip() + "', the native build '" + expected.strip() + "'");
  }

  private static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(Comparator.naturalOrder());
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void log(String format, Object... args) {
    System.err.println("[wasm-bench] " + String.format(Locale.ROOT, format, args));
  }

  private static void fail(String message) {
    System.err.println("[wasm-bench] error: " + message);
    System.exit(1);
  }
}
