package org.jgolem.node.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.OutputFiles;
import org.jgolem.compute.Program;
import org.jgolem.compute.docker.DockerConfig;
import org.jgolem.compute.docker.DockerEnvironment;
import org.jgolem.ipfs.FileTrees;

/**
 * The extra wall time of a no-op subtask ({@code /bin/true}) run through the Docker environment's
 * full lifecycle (create, start, exec, collect the output, remove) over running the same binary on
 * the host with ProcessBuilder. Needs a Docker engine (scripts/docker-engine) and the
 * jgolem/runtime image (scripts/images).
 *
 * <p>Prints {@code sandbox docker-overhead-ms=<median>} on stdout; each run and each step's median
 * on stderr. Arguments: [runs, default 15] [warm-up runs, default 3].
 */
public final class DockerOverheadBench {
  private DockerOverheadBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path root = Files.createTempDirectory("jgolem-docker-bench");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path resources = Files.createDirectories(root.resolve("resources"));
    Files.setPosixFilePermissions(resources, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path work = Files.createDirectories(root.resolve("work"));
    Path output = Files.createDirectories(root.resolve("output"));
    String imageId;
    try (DockerEnvironment probe =
        new DockerEnvironment(DockerConfig.of("jgolem-bench-probe", Set.of()))) {
      var caps = probe.capabilities();
      if (!caps.available())
        fail("no Docker engine: " + caps.unavailableReason() + " (run scripts/docker-engine)");
      imageId = probe.resolveImage("jgolem/runtime").orElse(null);
      if (imageId == null) fail("the image jgolem/runtime is missing (run scripts/images)");
    }
    Map<String, List<Long>> steps = Collections.synchronizedMap(new LinkedHashMap<>());
    List<Long> docker = new ArrayList<>();
    List<Long> host = new ArrayList<>();
    List<Long> extra = new ArrayList<>();
    try (DockerEnvironment env =
        new DockerEnvironment(DockerConfig.of("jgolem-bench", Set.of(imageId)))) {
      Limits limits = Limits.defaults();
      for (int i = 0; i < warmup + runs; i++) {
        boolean measured = i >= warmup;
        env.onStepTimes(
            measured
                ? t ->
                    t.nanos()
                        .forEach((k, v) -> steps.computeIfAbsent(k, x -> new ArrayList<>()).add(v))
                : null);
        var spec =
            new ExecutionSpec(
                "bench-" + i,
                new Program.DockerImage("jgolem/runtime", imageId),
                "/bin/true",
                List.of(),
                Map.of(),
                resources,
                work,
                output,
                limits);
        long t0 = System.nanoTime();
        ExecutionResult r = env.start(spec).result().get(120, TimeUnit.SECONDS);
        long d = System.nanoTime() - t0;
        if (!r.succeeded()) fail("the no-op subtask failed: " + r);
        OutputFiles.clear(output);

        long t1 = System.nanoTime();
        int code = new ProcessBuilder("/bin/true").start().waitFor();
        long h = System.nanoTime() - t1;
        if (code != 0) fail("/bin/true on the host exited " + code);
        System.err.printf(
            "%s run %2d: docker %6.1f ms, host %5.1f ms%n",
            measured ? "measured" : "warm-up ", i, d / 1e6, h / 1e6);
        if (measured) {
          docker.add(d);
          host.add(h);
          extra.add(d - h);
        }
      }
    } finally {
      FileTrees.delete(root);
    }
    System.err.printf(
        "median over %d runs: docker %.1f ms, host %.1f ms%n",
        runs, median(docker) / 1e6, median(host) / 1e6);
    System.err.println("median per step of the docker lifecycle:");
    for (var e : steps.entrySet()) {
      System.err.printf("  %-10s %6.1f ms%n", e.getKey(), median(e.getValue()) / 1e6);
    }
    System.out.println("sandbox docker-overhead-ms=" + Math.round(median(extra) / 1e6));
  }

  private static double median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
  }

  private static void fail(String why) {
    System.err.println("DockerOverheadBench: " + why);
    System.exit(1);
  }
}
