package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionResult.OutputFile;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.jgolem.compute.docker.DockerTestSupport.Dirs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Blender render subtask in the sandbox, from the jgolem/blender image. That image is large and
 * built only on request (scripts/images blender), so this test is skipped without it, whatever
 * JGOLEM_REQUIRE_DOCKER says.
 */
class DockerBlenderTest {
  static final String NODE = "jgolem-test-blender";

  @TempDir Path tmp;

  @Test
  void rendersAFrameOfTheDefaultSceneWithCycles() throws Exception {
    String blender = blenderImage();
    try (var env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(blender)))) {
      Dirs d = Dirs.under(tmp);
      String setup =
          "import bpy; s = bpy.context.scene; s.render.resolution_x = 64; s.render.resolution_y = 48; "
              + "s.render.resolution_percentage = 100; s.cycles.samples = 4; s.cycles.device = 'CPU'; "
              + "s.cycles.use_denoising = False";
      var spec =
          new ExecutionSpec(
              "blender-frame",
              new Program.DockerImage("jgolem/blender", blender),
              "blender",
              List.of(
                  "-b",
                  "--factory-startup",
                  "-E",
                  "CYCLES",
                  "--python-expr",
                  setup,
                  "-o",
                  ExecutionSpec.OUTPUT + "/frame_####",
                  "-F",
                  "PNG",
                  "-f",
                  "1"),
              Map.of(),
              d.resources(),
              d.work(),
              d.output(),
              new Limits(
                  1,
                  1024 * Limits.MIB,
                  Duration.ofSeconds(120),
                  16 * Limits.MIB,
                  64 * 1024,
                  256,
                  256 * Limits.MIB));
      ExecutionResult r = DockerTestSupport.await(env.start(spec));
      assertThat(r.succeeded()).as(r + "\n" + r.stdout().text() + r.stderr().text()).isTrue();
      assertThat(r.outputs()).extracting(OutputFile::path).containsExactly("frame_0001.png");
      BufferedImage png = ImageIO.read(d.output().resolve("frame_0001.png").toFile());
      assertThat(png.getWidth()).isEqualTo(64);
      assertThat(png.getHeight()).isEqualTo(48);
      Set<Integer> colours = new HashSet<>();
      for (int y = 0; y < 48; y++) for (int x = 0; x < 64; x++) colours.add(png.getRGB(x, y));
      assertThat(colours.size()).as("distinct colours in the rendered cube").isGreaterThan(10);
      DockerTestSupport.assertNoContainers(env, NODE);
    }
  }

  /**
   * The image starts Blender with a render-only Python tree
   * (scripts/images.d/blender/slim-scripts.sh, half the start-up CPU of Debian's full tree): a
   * frame rendered with it has exactly the pixels of the same frame rendered with Debian's full
   * tree.
   */
  @Test
  void theRenderOnlyScriptTreeRendersTheSamePixelsAsTheFullOne() throws Exception {
    String blender = blenderImage();
    try (var env = new DockerEnvironment(DockerConfig.of(NODE, Set.of(blender)))) {
      String setup =
          "import bpy; print('jgolem-scripts', bpy.utils.system_resource('SCRIPTS')); "
              + "s = bpy.context.scene; s.render.resolution_x = 64; s.render.resolution_y = 48; "
              + "s.render.resolution_percentage = 100; s.cycles.samples = 8; s.cycles.seed = 3; s.cycles.device = 'CPU'; "
              + "s.cycles.use_adaptive_sampling = False; s.cycles.use_denoising = False; s.render.dither_intensity = 0";
      int[] slim = render(env, blender, "slim", Map.of(), setup, "/opt/jgolem/blender-scripts");
      int[] full =
          render(
              env,
              blender,
              "full",
              Map.of("BLENDER_SYSTEM_SCRIPTS", "/usr/share/blender/scripts"),
              setup,
              "/usr/share/blender/scripts");
      assertThat(slim)
          .as("pixels with the render-only tree against Debian's full tree")
          .isEqualTo(full);
      DockerTestSupport.assertNoContainers(env, NODE);
    }
  }

  /**
   * The id of jgolem/blender; the test is skipped without it (large, built only on request:
   * scripts/images blender).
   */
  private static String blenderImage() throws Exception {
    DockerTestSupport.requireRuntimeImage();
    try (var probe = new DockerEnvironment(DockerConfig.of(NODE, Set.of()))) {
      String blender = probe.resolveImage("jgolem/blender").orElse(null);
      Assumptions.assumeTrue(
          blender != null, "the image jgolem/blender is not built: scripts/images blender");
      return blender;
    }
  }

  private int[] render(
      DockerEnvironment env,
      String blender,
      String name,
      Map<String, String> vars,
      String setup,
      String expectedScripts)
      throws Exception {
    Dirs d = Dirs.under(tmp.resolve(name));
    var spec =
        new ExecutionSpec(
            "blender-" + name,
            new Program.DockerImage("jgolem/blender", blender),
            "blender",
            List.of(
                "-b",
                "--factory-startup",
                "-noaudio",
                "-E",
                "CYCLES",
                "-t",
                "1",
                "--python-expr",
                setup,
                "-o",
                ExecutionSpec.OUTPUT + "/frame_####",
                "-F",
                "PNG",
                "-f",
                "1"),
            vars,
            d.resources(),
            d.work(),
            d.output(),
            new Limits(
                1,
                1024 * Limits.MIB,
                Duration.ofSeconds(120),
                16 * Limits.MIB,
                64 * 1024,
                256,
                256 * Limits.MIB));
    ExecutionResult r = DockerTestSupport.await(env.start(spec));
    assertThat(r.succeeded()).as(r + "\n" + r.stdout().text() + r.stderr().text()).isTrue();
    assertThat(r.stdout().text()).contains("jgolem-scripts " + expectedScripts);
    BufferedImage png = ImageIO.read(d.output().resolve("frame_0001.png").toFile());
    return png.getRGB(0, 0, png.getWidth(), png.getHeight(), null, 0, png.getWidth());
  }
}
