package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;

/**
 * The start of the crashed-provider scenarios: a gWASM task of two heavy bands (every pixel lit by
 * 8 lights over 63 spheres: a few seconds each in the sandbox), and a provider killed with {@code
 * kill -9} while its sandbox renders one of them.
 *
 * @param assignment the wire id of the assignment the victim was computing
 * @param before each provider's GNT before the task
 */
public record ProviderCrash(
    RenderTask render, String taskId, String assignment, Map<Address, BigInteger> before) {
  static final int WIDTH = 1200;
  static final int HEIGHT = 900;

  /**
   * Creates the task on {@code requestor} and kills {@code victim} once its sandbox has started on
   * a band.
   */
  public static ProviderCrash killWhileComputing(
      Network net,
      NodeProcess requestor,
      NodeProcess victim,
      List<NodeProcess> providers,
      String name,
      String subtaskTimeout) {
    RenderRun run =
        RenderRun.create(
            net,
            requestor,
            providers,
            RenderTask.Spec.of(name, RenderTask.scene(WIDTH, HEIGHT, 63, 8), 2)
                .subtaskTimeout(subtaskTimeout)
                .verification(1, 0));
    String id = run.taskId();
    // the provider's job is COMPUTING once the sandbox has started (its folders may be in memory):
    // kill it then
    String computing = victim.verify(Conditions.computingASubtask().within(Duration.ofSeconds(60)));
    victim.kill();
    return new ProviderCrash(run.render(), id, computing, run.before());
  }

  /** Every band delivered equals a local run of the renderer. */
  public void assertImageRight() throws IOException {
    for (int i = 0; i < render.bands(); i++) {
      assertThat(render.deliveredBand(i))
          .as("band " + i)
          .isEqualTo(render.renderLocally(i, render.bands()));
    }
  }
}
