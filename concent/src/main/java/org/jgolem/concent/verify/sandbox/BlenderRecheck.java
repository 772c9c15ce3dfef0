package org.jgolem.concent.verify.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.TaskComputer;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.tasks.blender.BlenderOptions;
import org.jgolem.tasks.blender.BlenderPlan;
import org.jgolem.tasks.blender.Picture;
import org.jgolem.tasks.blender.Pictures;
import org.jgolem.tasks.blender.Region;
import org.jgolem.tasks.blender.RenderJob;
import org.jgolem.tasks.blender.Ssim;

/**
 * Blender: Concent re-renders crops of the provider's tile and compares them by SSIM, with the
 * requestor's spot-check rules ({@link BlenderPlan#crop}, {@link Ssim}, the threshold) and its own
 * choice of crops, drawn by {@code java.util.Random(dispute.seed)} (an algorithm the Java
 * specification fixes, so an auditor with the seed draws the same rectangles).
 *
 * <p>The settings come from the subtask's own render job ({@value RenderJob#JOB} in the resources
 * the requestor signed: scene, samples, seed, resolution, format and each frame's tile). The
 * spot-check rules are not in what the requestor signed, so Concent applies the template's
 * documented defaults ({@link BlenderOptions.SpotCheck#DEFAULTS}: 3 crops a frame, 0.1 of each
 * side, at least 8 pixels, SSIM 0.94). The crops are rendered in one Blender process in Concent's
 * Docker sandbox, started the way a provider starts the subtask (its launcher, image and limits),
 * with a job of the crops in place of the tile. Each crop is one {@code SSIM} check: its rectangle
 * in the pixels of the tile's file, the score and threshold in millionths. A tile file that is
 * missing or does not decode at the tile's size scores -1 on each of its crops. At most {@link
 * SubtaskResultsSettled#MAX_CHECKS} crops are drawn: the frames past that are not checked.
 */
final class BlenderRecheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The spot check's rules Concent applies. */
  static final BlenderOptions.SpotCheck RULES = BlenderOptions.SpotCheck.DEFAULTS;

  private BlenderRecheck() {}

  /** Whether {@code d} is a subtask of the Blender template: a Docker job with its render job. */
  static boolean isBlender(SubtaskDefinition d, Path resources) {
    return d.environment().equals("docker")
        && d.runs().isEmpty()
        && !d.args().isEmpty()
        && d.args().get(0).equals("/golem/resources/" + RenderJob.LAUNCHER)
        && Files.isRegularFile(resources.resolve(RenderJob.JOB), LinkOption.NOFOLLOW_LINKS);
  }

  /** One frame of the tile: its frame number, region (frame pixels from the top left) and file. */
  record Tile(int frame, Region region, String file) {}

  /**
   * A crop Concent renders: of {@code tile}, at {@code region} (frame pixels), into {@code file}.
   */
  record Crop(Tile tile, Region region, String file) {}

  /** The subtask's render job as the requestor wrote it. */
  record Job(BlenderOptions options, List<Tile> tiles) {}

  static Judgement judge(TaskComputer computer, Dispute d, Duration timeLimit)
      throws SandboxRun.ConcentFailure, IOException {
    SubtaskDefinition def = d.taskToCompute().definition();
    Job job;
    try {
      job = readJob(d.resources().resolve(RenderJob.JOB), def);
    } catch (IOException | RuntimeException e) {
      throw new SandboxRun.ConcentFailure(
          SubtaskResultsSettled.NeutralReason.CONCENT_ERROR,
          "the subtask's render job cannot be read: " + e.getMessage());
    }
    List<Crop> crops = chooseCrops(job, d.seed());
    Path res = Files.createDirectories(d.work().resolve("resources"));
    stage(d.resources(), res);
    BlenderOptions o = job.options();
    new RenderJob(
            o,
            o.samples(),
            crops.stream()
                .map(c -> new RenderJob.Render(c.tile().frame(), c.region(), c.file()))
                .toList())
        .writeInto(res);
    Path out = Files.createDirectories(d.work().resolve("output"));
    ExecutionResult r =
        SandboxRun.run(
            computer,
            d.taskToCompute().subtaskId(),
            def,
            res,
            Files.createDirectories(d.work().resolve("work")),
            out,
            timeLimit);
    long threshold = millionths(RULES.ssimThreshold());
    List<VerificationCheck> checks = new ArrayList<>();
    Map<Tile, Optional<Picture>> tiles = new HashMap<>();
    double worst = 1;
    for (int i = 0; i < crops.size(); i++) {
      Crop c = crops.get(i);
      Region inFile = c.tile().region().relative(c.region());
      VerificationCheck.Crop rect =
          new VerificationCheck.Crop(inFile.x0(), inFile.y0(), inFile.width(), inFile.height());
      long score = -VerificationCheck.ONE;
      // each tile decoded once, however many crops it has (null: missing or undecodable)
      Picture theirs =
          tiles
              .computeIfAbsent(c.tile(), t -> Optional.ofNullable(tileOf(d.result(), t, o)))
              .orElse(null);
      if (theirs != null && r.succeeded()) {
        try {
          Picture ours =
              Pictures.read(out.resolve(c.file()), o.format(), inFile.width(), inFile.height());
          double ssim = Ssim.compare(ours, theirs.crop(inFile));
          worst = Math.min(worst, ssim);
          score = millionths(ssim);
        } catch (IOException e) {
          // Concent's render ran but left no crop: the subtask's scene's fault, scored as no match
          score = -VerificationCheck.ONE;
        }
      }
      checks.add(
          VerificationCheck.ssim("crop " + (i + 1), c.tile().file(), rect, score, threshold));
    }
    String detail;
    long failed = checks.stream().filter(c -> !c.passed()).count();
    if (!r.succeeded()) {
      detail = "the crops' render failed in Concent's sandbox (" + r.failure().orElseThrow() + ")";
    } else if (failed == 0) {
      detail =
          String.format(
              Locale.ROOT,
              "%d crops re-rendered by Concent match the provider's tile (lowest SSIM %.4f, threshold %.2f)",
              checks.size(),
              worst,
              RULES.ssimThreshold());
    } else {
      VerificationCheck first = checks.stream().filter(c -> !c.passed()).findFirst().orElseThrow();
      detail =
          String.format(
              Locale.ROOT,
              "%d of %d crops re-rendered by Concent differ from the provider's tile; first: %s of %s, SSIM %.4f below %.2f",
              failed,
              checks.size(),
              first.crop(),
              first.path(),
              first.score() / 1e6,
              RULES.ssimThreshold());
    }
    return Judgement.of(Method.BLENDER_SSIM, SandboxRecomputer.clip(detail), checks);
  }

  /** The crops of {@code job}, {@link #RULES}'s count per frame, drawn from {@code seed}. */
  static List<Crop> chooseCrops(Job job, long seed) {
    Random random = new Random(seed);
    List<Crop> out = new ArrayList<>();
    for (Tile t : job.tiles()) {
      for (int i = 0; i < RULES.crops(); i++) {
        if (out.size() == SubtaskResultsSettled.MAX_CHECKS) return out;
        Region r = BlenderPlan.crop(t.region(), RULES, random);
        out.add(
            new Crop(
                t,
                r,
                String.format(
                    Locale.ROOT,
                    "concent_crop%d_%04d.%s",
                    out.size() + 1,
                    t.frame(),
                    job.options().format().extension)));
      }
    }
    return out;
  }

  /** The provider's tile of {@code t}, or null when it is missing or not a tile of its size. */
  private static Picture tileOf(Path result, Tile t, BlenderOptions o) {
    Path f = result.resolve(t.file());
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return null;
    try {
      return Pictures.read(f, o.format(), t.region().width(), t.region().height());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Reads the requestor's render job ({@link RenderJob#json}) into settings and tiles. */
  static Job readJob(Path file, SubtaskDefinition d) throws IOException {
    JsonNode n = JSON.readTree(Files.readString(file));
    int width = n.required("width").asInt();
    int height = n.required("height").asInt();
    BlenderOptions.Format format = BlenderOptions.Format.valueOf(n.required("format").asText());
    List<Tile> tiles = new ArrayList<>();
    List<Integer> frames = new ArrayList<>();
    for (JsonNode r : n.required("renders")) {
      int frame = r.required("frame").asInt();
      JsonNode b = r.get("border");
      Region region =
          b == null || b.isNull()
              ? Region.whole(width, height)
              : fromBorder(
                  width,
                  height,
                  b.get(0).asDouble(),
                  b.get(1).asDouble(),
                  b.get(2).asDouble(),
                  b.get(3).asDouble());
      tiles.add(new Tile(frame, region, r.required("file").asText()));
      frames.add(frame);
    }
    if (tiles.isEmpty()) throw new IOException("the render job renders nothing");
    BlenderOptions o =
        new BlenderOptions(
            List.of(),
            n.required("scene").asText(),
            d.image(),
            d.image(),
            frames,
            width,
            height,
            format,
            n.required("samples").asInt(),
            n.required("seed").asInt(),
            Path.of("/nonexistent"),
            d.limits().cpuCores(),
            d.limits().memoryMib(),
            RULES);
    return new Job(o, tiles);
  }

  /** The region whose border {@link RenderJob#border} wrote (a quarter pixel in, y from below). */
  static Region fromBorder(
      int width, int height, double minX, double maxX, double minY, double maxY) {
    int x0 = (int) Math.floor(minX * width);
    int x1 = (int) Math.floor(maxX * width);
    int y1 = height - (int) Math.floor(minY * height);
    int y0 = height - (int) Math.floor(maxY * height);
    return new Region(x0, y0, x1, y1);
  }

  /**
   * Copies the requestor's resources (but its render job and scripts at the top, which Concent
   * writes its own of) into {@code res}, folders included, readable by the sandbox's uid 1000.
   * Anything but regular files and folders (a symbolic link) is left out.
   */
  private static void stage(Path from, Path res) throws IOException {
    Files.setPosixFilePermissions(res, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<Path> all;
    try (Stream<Path> s = Files.walk(from)) {
      all = s.filter(p -> !p.equals(from)).sorted().toList();
    }
    for (Path f : all) {
      Path rel = from.relativize(f);
      String name = rel.toString();
      if (rel.getNameCount() == 1
          && (name.equals(RenderJob.JOB)
              || name.equals(RenderJob.SCRIPT)
              || name.equals(RenderJob.LAUNCHER))) continue;
      Path t = res.resolve(name);
      if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(t);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
      } else if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
          && Files.isDirectory(t.getParent())) {
        Files.copy(f, t);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
  }

  /** {@code v} in millionths, within -1..1; not a number (pixels that are not numbers) is -1. */
  static long millionths(double v) {
    if (Double.isNaN(v)) return -VerificationCheck.ONE;
    return Math.clamp(
        Math.round(v * VerificationCheck.ONE), -VerificationCheck.ONE, VerificationCheck.ONE);
  }
}
