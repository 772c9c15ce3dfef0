package org.jgolem.concent.verify.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskDefinition;
import org.jgolem.protocol.messages.market.TaskToCompute;

/** Disputes of the sandbox recomputer's tests: a signed TaskToCompute of a given definition. */
final class Disputes {
  private static final ConcentFixtures FIX = new ConcentFixtures();

  private Disputes() {}

  static TaskToCompute ttc(int n, SubtaskDefinition d) {
    TaskToCompute t =
        ConcentFixtures.taskToCompute(
            n,
            ConcentFixtures.PRICE,
            ConcentFixtures.T0 / 1000 + 3600,
            ConcentFixtures.REQUESTOR,
            ConcentFixtures.PROVIDER,
            FIX.notes());
    return new TaskToCompute(
        t.taskId(),
        t.subtaskId(),
        t.requestor(),
        t.provider(),
        t.price(),
        t.deadline(),
        d,
        t.providerNote(),
        t.concentNote());
  }

  /**
   * A dispute of {@code ttc} with the provider's {@code result}, Concent's work under {@code root}.
   */
  static Dispute of(
      TaskToCompute ttc, Path resources, Path result, Path root, Duration limit, long seed)
      throws IOException {
    ReportComputedTask report = ConcentFixtures.report(ttc);
    Path work = Files.createDirectories(root.resolve("concent-" + System.nanoTime()));
    return new Dispute(ttc, report, resources, result, work, limit, seed);
  }
}
