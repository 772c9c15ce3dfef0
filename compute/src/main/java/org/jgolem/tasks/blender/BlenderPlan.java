package org.jgolem.tasks.blender;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.TaskComputer;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.tasks.FileResults;
import org.jgolem.tasks.PlannedSubtask;
import org.jgolem.tasks.TaskContext;
import org.jgolem.tasks.TaskPlan;
import org.jgolem.tasks.Verdict;
import org.jgolem.tasks.definition.TaskFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A planned Blender task: its subtasks, the spot check of each result, and the merge of the
 * accepted tiles into frames. Thread-safe: the requestor checks results concurrently.
 *
 * <p>The spot check of a result: the expected files and nothing else; each decodes as the task's
 * format at exactly the subtask's tile (or frame) size; then {@code crops} random crops of each of
 * its frames are re-rendered on the requestor at the task's settings, and each is compared with the
 * provider's pixels by {@link Ssim}. A crop below the threshold rejects the result ("verification
 * negative"). If the requestor's own render fails, the check throws: that says nothing about the
 * provider.
 *
 * <p>Re-rendering is batched: a Blender process's start (container, Blender, scene) costs far more
 * than a crop rendered with the scene kept in memory (see docs/PERFORMANCE.md). So the requestor
 * chooses the crops of a subtask when it first needs them and renders, in the same process, the
 * crops of up to {@value #CROPS_AHEAD} subtasks whose results have not come yet; their checks then
 * only compare. The crops never leave the requestor, so choosing them early tells a provider
 * nothing. A subtask checked again (another provider's result) is compared with the same crops.
 * Checks that arrive while a re-render runs wait for it.
 *
 * <p>Why over 400 lines: the plan of one Blender task (its tiles, their render jobs, the spot check
 * of each result and the merge) is one template's contract; the render itself is {@link RenderJob}
 * and the merge {@link TileMerge}.
 */
public final class BlenderPlan implements TaskPlan {
  private static final Logger LOG = LoggerFactory.getLogger(BlenderPlan.class);
  static final String ENTRY_POINT = "/usr/bin/blender";

  /**
   * Providers run {@link RenderJob#LAUNCHER} with the shell (Blender itself, or a render server's
   * client in a session).
   */
  static final String LAUNCHER_ENTRY_POINT = "/bin/sh";

  static final String NEGATIVE = "verification negative: ";

  /** Scratch space for a verification render's /tmp and /golem/work. */
  static final long WORK_BYTES = 256 * Limits.MIB;

  private final TaskFile file;
  private final BlenderOptions options;
  private final List<PlannedSubtask> subtasks;
  private final Map<String, Split.Job> jobs;
  private final TaskContext context;
  private final RandomGenerator random = new SecureRandom();
  private final AtomicInteger checkIds = new AtomicInteger();

  /** The sandbox session of this task's spot checks. */
  private final String checkSession =
      "verify-"
          + java.util.HexFormat.of()
              .formatHex(
                  java.nio.ByteBuffer.allocate(8).putLong(new SecureRandom().nextLong()).array());

  private final AtomicInteger checks = new AtomicInteger();
  private final AtomicInteger cropsRendered = new AtomicInteger();
  private final AtomicLong renderNanos = new AtomicLong();
  private final AtomicLong croppedPixels = new AtomicLong();
  private final AtomicInteger runs = new AtomicInteger();
  private final AtomicLong cpuNanos = new AtomicLong();

  /** How many subtasks' crops one Blender process renders at most. */
  static final int CROPS_AHEAD = 64;

  /** Each subtask's crops, once rendered (file names unique within the task); guarded by itself. */
  private final Map<String, Crops> crops = new HashMap<>();

  /** True while a Blender process renders crops; guarded by {@link #crops}. */
  private boolean rendering;

  /** A subtask's crops: where they are, and the requestor's own pixels for them. */
  private record Crops(List<RenderJob.Render> renders, Map<String, Picture> pictures) {}

  /**
   * What the spot checks of this task have cost the requestor so far.
   *
   * @param checks results checked against re-rendered crops
   * @param crops crops re-rendered (each subtask's once, however often it is checked)
   * @param pixels pixels re-rendered, over all crops
   * @param renderTime wall time of the re-renders (container start, scene load and rendering)
   * @param blenderRuns Blender processes started for them
   * @param cpuTime CPU time of those processes, as the sandbox measured it (zero where it cannot)
   */
  public record VerificationCost(
      int checks, int crops, long pixels, Duration renderTime, int blenderRuns, Duration cpuTime) {}

  BlenderPlan(
      TaskFile file,
      BlenderOptions options,
      List<PlannedSubtask> subtasks,
      Map<String, Split.Job> jobs,
      TaskContext context) {
    this.file = file;
    this.options = options;
    this.subtasks = List.copyOf(subtasks);
    this.jobs = Map.copyOf(jobs);
    this.context = context;
  }

  @Override
  public TaskFile file() {
    return file;
  }

  @Override
  public List<PlannedSubtask> subtasks() {
    return subtasks;
  }

  public BlenderOptions options() {
    return options;
  }

  /** The work of subtask {@code name}: its frames and region. */
  public Split.Job job(String name) {
    Split.Job j = jobs.get(name);
    if (j == null) throw new IllegalArgumentException("no subtask " + name + " in this task");
    return j;
  }

  /** One provider per subtask, no digest comparison: the check below verifies. */
  @Override
  public TaskFile.Verification defaultVerification() {
    return new TaskFile.Verification(1, 0);
  }

  public VerificationCost verificationCost() {
    return new VerificationCost(
        checks.get(),
        cropsRendered.get(),
        croppedPixels.get(),
        Duration.ofNanos(renderNanos.get()),
        runs.get(),
        Duration.ofNanos(cpuNanos.get()));
  }

  @Override
  public Duration verificationTime() {
    return Duration.ofNanos(renderNanos.get());
  }

  @Override
  public Verdict check(PlannedSubtask subtask, Path result) throws IOException {
    Split.Job job = job(subtask.name());
    Verdict files = FileResults.expectExactly(result, subtask.outputPaths());
    if (!files.accepted()) return Verdict.reject(NEGATIVE + files.reason());
    Map<Integer, Picture> theirs = new LinkedHashMap<>();
    for (int frame : job.frames()) {
      String name = Split.Job.outputName(frame, options.format());
      try {
        theirs.put(
            frame,
            Pictures.read(
                result.resolve(name),
                options.format(),
                job.region().width(),
                job.region().height()));
      } catch (IOException e) {
        return Verdict.reject(NEGATIVE + e.getMessage());
      }
    }
    Crops ourCrops = cropsOf(subtask.name());
    checks.incrementAndGet();
    List<RenderJob.Render> wanted = ourCrops.renders();
    Map<String, Picture> ours = ourCrops.pictures();
    double worst = 1;
    for (RenderJob.Render c : wanted) {
      Picture mine = ours.get(c.file());
      Picture provider = theirs.get(c.frame()).crop(job.region().relative(c.region()));
      double ssim = Ssim.compare(mine, provider);
      worst = Math.min(worst, ssim);
      if (ssim < options.spotCheck().ssimThreshold()) {
        LOG.info(
            "Blender check of {}: frame {}, crop {}: SSIM {} < {}: rejected",
            subtask.name(),
            c.frame(),
            c.region(),
            String.format(Locale.ROOT, "%.4f", ssim),
            options.spotCheck().ssimThreshold());
        return Verdict.reject(
            String.format(
                Locale.ROOT,
                "%sframe %d, crop %s (x %d..%d, y %d..%d from the top): SSIM %.4f is below %.2f against the requestor's "
                    + "re-render of the same pixels",
                NEGATIVE,
                c.frame(),
                c.region(),
                c.region().x0(),
                c.region().x1() - 1,
                c.region().y0(),
                c.region().y1() - 1,
                ssim,
                options.spotCheck().ssimThreshold()));
      }
    }
    LOG.info(
        "Blender check of {}: {} crops, lowest SSIM {}: accepted",
        subtask.name(),
        wanted.size(),
        String.format(Locale.ROOT, "%.4f", worst));
    return Verdict.OK;
  }

  /**
   * A random crop of {@code tile}: about {@code crop_size} of each side, at least {@code
   * min_crop_px}, at most the tile.
   */
  Region crop(Region tile) {
    synchronized (random) {
      return crop(tile, options.spotCheck(), random);
    }
  }

  /**
   * The spot check's crop rule, for whoever chooses crops of a tile (the requestor with its own
   * random, Concent with a recorded seed): about {@code crop_size} of each side, at least {@code
   * min_crop_px}, at most the tile, placed by {@code random}.
   */
  public static Region crop(Region tile, BlenderOptions.SpotCheck s, RandomGenerator random) {
    int w =
        Math.clamp(
            Math.round(tile.width() * s.cropSize()),
            Math.min(s.minCropPx(), tile.width()),
            tile.width());
    int h =
        Math.clamp(
            Math.round(tile.height() * s.cropSize()),
            Math.min(s.minCropPx(), tile.height()),
            tile.height());
    int x = tile.x0() + random.nextInt(tile.width() - w + 1);
    int y = tile.y0() + random.nextInt(tile.height() - h + 1);
    return new Region(x, y, x + w, y + h);
  }

  /**
   * The requestor's crops of {@code subtask}: rendered already, or now, together with those of up
   * to {@value #CROPS_AHEAD} - 1 subtasks still unchecked; while another thread renders, this one
   * waits for it.
   */
  private Crops cropsOf(String subtask) throws IOException {
    while (true) {
      List<String> batch = new ArrayList<>();
      synchronized (crops) {
        while (!crops.containsKey(subtask) && rendering) {
          try {
            crops.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the crops of " + subtask, e);
          }
        }
        Crops ready = crops.get(subtask);
        if (ready != null) return ready;
        rendering = true;
        batch.add(subtask);
        for (PlannedSubtask s : subtasks) {
          if (batch.size() >= CROPS_AHEAD) break;
          if (!s.name().equals(subtask) && !crops.containsKey(s.name())) batch.add(s.name());
        }
      }
      try {
        Map<String, Crops> rendered = renderCrops(batch);
        synchronized (crops) {
          crops.putAll(rendered);
        }
      } finally {
        synchronized (crops) {
          rendering = false;
          crops.notifyAll();
        }
      }
    }
  }

  /** Chooses the crops of {@code names} and renders them all in one Blender process. */
  private Map<String, Crops> renderCrops(List<String> names) throws IOException {
    Map<String, List<RenderJob.Render>> chosen = new LinkedHashMap<>();
    List<RenderJob.Render> all = new ArrayList<>();
    for (String name : names) {
      Split.Job job = job(name);
      int index = subtaskIndex(name);
      List<RenderJob.Render> mine = new ArrayList<>();
      for (int frame : job.frames()) {
        for (int i = 0; i < options.spotCheck().crops(); i++) {
          mine.add(
              new RenderJob.Render(
                  frame,
                  crop(job.region()),
                  String.format(
                      Locale.ROOT,
                      "s%d_crop%d_%04d.%s",
                      index,
                      i + 1,
                      frame,
                      options.format().extension)));
        }
      }
      chosen.put(name, mine);
      all.addAll(mine);
    }
    Map<String, Picture> got = renderOnce(names.get(0), names.size() - 1, all);
    Map<String, Crops> out = new LinkedHashMap<>();
    chosen.forEach((name, renders) -> {
      Map<String, Picture> pictures = new LinkedHashMap<>();
      for (RenderJob.Render r : renders) pictures.put(r.file(), got.get(r.file()));
      out.put(name, new Crops(List.copyOf(renders), Map.copyOf(pictures)));
    });
    return out;
  }

  private int subtaskIndex(String name) {
    for (int i = 0; i < subtasks.size(); i++) {
      if (subtasks.get(i).name().equals(name)) return i;
    }
    throw new IllegalArgumentException("no subtask " + name + " in this task");
  }

  /** Renders {@code renders} on the requestor, in one Blender process, and reads them back. */
  private Map<String, Picture> renderOnce(String first, int others, List<RenderJob.Render> renders)
      throws IOException {
    String subtask =
        others == 0
            ? first
            : first + " (and " + others + " more subtask" + (others == 1 ? ")" : "s)");
    String label = others == 0 ? first : first + "-and-" + others;
    TaskComputer computer =
        context
            .computer()
            .orElseThrow(() ->
                new IOException(
                    "cannot verify "
                        + subtask
                        + ": this node has no task computer to re-render crops with"));
    int id = checkIds.incrementAndGet();
    Path dir = context.scratch().resolve("check-" + id + "-" + label);
    try {
      Path res = Files.createDirectories(dir.resolve("resources"));
      Path work = Files.createDirectories(dir.resolve("work"));
      Path out = Files.createDirectories(dir.resolve("output"));
      BlenderTemplate.stageResources(options.resources(), res);
      new RenderJob(options, options.samples(), renders).writeInto(res);
      Duration timeout = file.subtaskTimeout();
      long outBytes = 0;
      for (RenderJob.Render r : renders)
        outBytes += (long) r.region().width() * r.region().height() * 12 + (64 << 10);
      ExecutionSpec spec;
      String specId = String.format("verify-%d-%s", id, label);
      if (options.spotCheck().environment().equals("host")) {
        Limits limits =
            new Limits(
                options.cpus(),
                options.memoryMib() * Limits.MIB,
                timeout,
                outBytes + Limits.MIB,
                64 * 1024,
                RenderJob.WARM_PROCESSES,
                WORK_BYTES);
        spec =
            new ExecutionSpec(
                specId,
                new Program.HostBinary(options.spotCheck().blender()),
                options.spotCheck().blender().toString(),
                RenderJob.args(options),
                Map.of("HOME", ExecutionSpec.WORK),
                res,
                work,
                out,
                limits);
      } else {
        // the task's checks share one sandbox session: the render server keeps the scene loaded
        // between them, and
        // the first may find a Blender sandbox this node readied while idle (RenderJob.warmUp); an
        // output folder
        // of the warm sandbox's size unless the crops need more
        Limits limits =
            new Limits(
                options.cpus(),
                options.memoryMib() * Limits.MIB,
                timeout,
                Math.max(outBytes + Limits.MIB, RenderJob.WARM_OUTPUT_BYTES),
                64 * 1024,
                RenderJob.WARM_PROCESSES,
                WORK_BYTES);
        spec =
            new ExecutionSpec(
                    specId,
                    new Program.DockerImage(options.image(), options.imageId()),
                    LAUNCHER_ENTRY_POINT,
                    RenderJob.launcherArgs(options),
                    Map.of("HOME", ExecutionSpec.WORK),
                    res,
                    work,
                    out,
                    limits)
                .withSession(checkSession);
      }
      long started = System.nanoTime();
      ExecutionResult r;
      try {
        r = computer.run(spec).result().get(timeout.toSeconds() + 60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while re-rendering crops of " + subtask, e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("re-rendering crops of " + subtask + " did not complete: " + e, e);
      } finally {
        renderNanos.addAndGet(System.nanoTime() - started);
      }
      if (!r.succeeded()) {
        String log = r.stderr().text() + r.stdout().text();
        throw new IOException(
            "the requestor's re-render of crops of "
                + subtask
                + " failed ("
                + r
                + "): "
                + log.substring(Math.max(0, log.length() - 800)));
      }
      runs.incrementAndGet();
      if (r.usage().cpuNanos() > 0) cpuNanos.addAndGet(r.usage().cpuNanos());
      cropsRendered.addAndGet(renders.size());
      Map<String, Picture> out2 = new LinkedHashMap<>();
      for (RenderJob.Render c : renders) {
        croppedPixels.addAndGet((long) c.region().width() * c.region().height());
        out2.put(
            c.file(),
            Pictures.read(
                out.resolve(c.file()), options.format(), c.region().width(), c.region().height()));
      }
      LOG.info(
          "Blender crops of {}: {} re-rendered in one process in {} ms",
          subtask,
          renders.size(),
          r.wallTime().toMillis());
      return out2;
    } finally {
      delete(dir);
    }
  }

  /** Merges the accepted tiles into frames ({@link TileMerge}). */
  @Override
  public Path merge(Map<String, Path> accepted) throws IOException {
    Path outDir = options.outputDir();
    int frames = TileMerge.merge(options, jobs.values(), accepted);
    VerificationCost c = verificationCost();
    LOG.info(
        "Blender task {} merged into {}: {} frames; verification: {} checks against {} crops re-rendered in {} "
            + "Blender processes, {} ms",
        file.name(),
        outDir,
        frames,
        c.checks(),
        c.crops(),
        c.blenderRuns(),
        c.renderTime().toMillis());
    return outDir;
  }

  private static void delete(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      LOG.warn("cannot remove the verification folder {}: {}", dir, e.toString());
    }
  }
}
