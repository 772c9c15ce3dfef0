package org.jgolem.chain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.jgolem.chain.testing.AnvilTest;
import org.junit.jupiter.api.Test;

/**
 * Settling N ForceSubtaskResults cases in one {@code reimburseForSubtasks} costs less gas per
 * subtask than Golem's one {@code reimburseForSubtask} transaction each, from N = 2 on; measured in
 * the same run, printed for docs/PERFORMANCE.md.
 */
class SettlementGasTest extends AnvilTest {
  @Test
  void aBatchSettlesEachSubtaskForLessGasThanATransactionOfItsOwn() {
    List<SettlementGasMeasurement.Point> points =
        SettlementGasMeasurement.measure(
            chain,
            deployment,
            DEPLOYER,
            CONCENT,
            List.of(user(0), user(1), user(2), user(3)),
            List.of(1, 2, 10, 50),
            20261207L);
    for (var p : points) {
      System.out.printf(
          "settlement gas: N=%d one-tx-each per-subtask=%.0f batch per-subtask=%.0f (%.0f%%)%n",
          p.subtasks(),
          p.perSubtaskSingle(),
          p.perSubtaskBatch(),
          100 * p.perSubtaskBatch() / p.perSubtaskSingle());
    }
    assertThat(points).hasSize(4);
    for (var p : points) {
      // the baseline is a whole transaction per subtask: 21,000 base, a signature, a settled record
      assertThat(p.perSubtaskSingle()).as("N=" + p.subtasks()).isGreaterThan(60_000);
      // a settled record (22,100) and an ecrecover (3,000) per subtask cannot be batched away
      assertThat(p.perSubtaskBatch()).as("N=" + p.subtasks()).isGreaterThan(25_000);
      if (p.subtasks() >= 2) {
        assertThat(p.perSubtaskBatch()).as("N=" + p.subtasks()).isLessThan(p.perSubtaskSingle());
      }
    }
    var fifty = points.get(3);
    assertThat(SettlementGasBench.line(fifty))
        .matches("concent settle-gas-per-subtask=\\d+ baseline-one-tx-each=\\d+ subtasks=50");
    assertThat(fifty.perSubtaskBatch())
        .as("at N=50 the batch costs at most half the baseline per subtask")
        .isLessThan(fifty.perSubtaskSingle() / 2);
  }
}
