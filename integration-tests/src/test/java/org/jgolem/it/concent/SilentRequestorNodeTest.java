package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.assignment;
import static org.jgolem.it.harness.Conditions.computingASubtask;
import static org.jgolem.it.harness.Conditions.connectedTo;
import static org.jgolem.it.harness.Conditions.income;
import static org.jgolem.it.harness.Conditions.logged;
import static org.jgolem.it.harness.Conditions.task;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Condition;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.RenderRun;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.TestChain;
import org.jgolem.it.harness.Views.Assignment;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Income;
import org.jgolem.it.harness.Views.IncomeStatus;
import org.jgolem.it.harness.Views.Job;
import org.jgolem.it.harness.Views.Ledger;
import org.jgolem.it.harness.Views.TaskView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real nodes and Concent, each a process of its own, on anvil; nobody tells the provider what
 * to do. The requestor (Concent required, 10 GNT deposited through {@code golem concent deposit})
 * gives its one subtask to the provider (Concent required), then is killed with {@code kill -9}
 * while the provider computes. The provider's report gets no answer, so it asks Concent to force it
 * (use case 1); the requestor cannot answer, so Concent acknowledges in its place; no verdict comes
 * by deadline + SVT, so the provider asks Concent to force one (use case 3); past FAT Concent
 * accepts in the silent requestor's place and pays the provider from the requestor's deposit. The
 * chain shows exactly the subtask's price moved from the deposit to the provider, and the
 * provider's books show the income received from the deposit contract in Concent's transaction.
 * Then the requestor comes back on its data folder, where a second provider waits: it learns from
 * Concent what was paid from its deposit and either takes that result or gives the subtask to the
 * newcomer; the task ends, and its own batches pay nothing Concent paid.
 *
 * <p>Concent's windows are Golem's divided by {@link #SCALE}; the nodes read them from Concent.
 */
@Timeout(420)
class SilentRequestorNodeTest {
  /** CMT 2 s, FAT 8 s, MAT 1.1 s, MMTT 42 ms. */
  static final long SCALE = 120;

  /**
   * The subtask's deadline is its timeout (20 s) plus the requestor's transfer slack (5 s); Concent
   * acknowledges for the silent requestor at deadline + CMT, the provider forces a verdict at
   * deadline + SVT + 1 s (SVT = 4·CMT + 3·MDT + 12.5 s), and Concent accepts within FAT of that: a
   * minute after the assignment.
   *
   * <p>A band that takes a few seconds: long enough to kill the requestor while it is computed.
   */
  static final int WIDTH = 1600;

  static final int HEIGHT = 480;

  @Test
  void aProviderWhoseRequestorDiedTurnsToConcentByItselfAndIsPaidFromTheDeposit() throws Exception {
    try (Network net = Network.create("concent-silent-requestor-node")) {
      net.startConcent(SCALE);
      NodeProcess requestor = net.requestor("requestor", Duration.ofSeconds(5));
      NodeProcess provider = net.provider("provider", requestor);
      net.useConcent(requestor, "required", Duration.ofSeconds(1));
      net.useConcent(provider, "required", Duration.ofSeconds(1));
      net.start(requestor, provider);
      net.fund(requestor, 100, 10);
      requestor.verify(connectedTo(1).within(Duration.ofSeconds(60)));

      Network.CliRun deposited = net.cli(requestor, "concent", "deposit", "10");
      assertThat(deposited.exitCode()).as(deposited.stderr()).isZero();
      BigInteger deposit = TestChain.GNT.multiply(BigInteger.TEN);
      assertThat(net.chain().depositOf(requestor.id())).isEqualTo(deposit);

      RenderRun run =
          RenderRun.create(
              net,
              requestor,
              List.of(provider),
              RenderTask.Spec.of("silent-requestor", RenderTask.scene(WIDTH, HEIGHT, 63, 8), 1)
                  .subtaskTimeout("0:00:20")
                  .verification(1, 0));
      BigInteger providerBefore = run.before().get(provider.id());

      // the requestor dies while its only subtask is being computed: the report will find nobody
      String subtaskId = provider.verify(computingASubtask().within(Duration.ofSeconds(90)));
      Job job =
          provider.api().providerJobs().stream()
              .filter(j -> j.subtaskId().equals(subtaskId))
              .findFirst()
              .orElseThrow();
      requestor.kill();

      // the provider turns to Concent by itself, step by step
      provider.verify(
          logged("no answer to the report")
              .and(logged("asking Concent to force it"))
              .within(Duration.ofSeconds(60)));
      provider.verify(logged("Concent CONCENT_ACK").within(Duration.ofSeconds(60)));
      provider.verify(logged("asking Concent to force a verdict").within(Duration.ofSeconds(90)));
      Income paid =
          provider.verify(
              income(
                      subtaskId,
                      "received, and Concent's SettlementMade collected",
                      i ->
                          i.status() == IncomeStatus.RECEIVED
                              && i.concent().startsWith("PAID_BY_CONCENT"))
                  .within(Duration.ofSeconds(90)));

      // exactly the agreed price, from the deposit contract, in Concent's transaction
      Address depositContract = net.chain().deployment().deposit();
      assertThat(paid.amount()).isEqualTo(job.price());
      assertThat(paid.payer()).isEqualTo(depositContract);
      assertThat(paid.concent()).isEqualToIgnoringCase("PAID_BY_CONCENT(tx " + paid.txHash() + ")");
      assertThat(net.chain().gnt(provider.id())).isEqualTo(providerBefore.add(job.price()));
      assertThat(net.chain().depositOf(requestor.id())).isEqualTo(deposit.subtract(job.price()));
      List<GntToken.IncomingTransfer> transfers = net.chain().transfersTo(provider.id());
      assertThat(transfers)
          .as("one transfer reached the provider: Concent's, from the deposit")
          .singleElement()
          .satisfies(t -> {
            assertThat(t.from()).isEqualTo(depositContract);
            assertThat(t.value()).isEqualTo(job.price());
            assertThat(t.transactionHash()).isEqualToIgnoringCase(paid.txHash());
          });

      // the requestor comes back on its data folder, where another provider now waits for work.
      // What Concent did while it was away reaches it. Either it takes the result Concent made it
      // pay for (it learns of the report from Concent's relay, fetches and accepts it), or, if the
      // assignment timed out on its resume first, it gives the subtask to the newcomer. Either way
      // the task ends and Concent's payment is not repeated.
      NodeProcess newcomer = net.provider("provider-2", requestor);
      net.useConcent(newcomer, "required", Duration.ofSeconds(1));
      net.start(newcomer);
      BigInteger newcomerBefore = net.chain().gnt(newcomer.id());
      requestor.start(Network.START_TIMEOUT);
      String taskId = run.taskId();
      TaskView done = requestor.verify(task(taskId).finished().within(Duration.ofSeconds(120)));
      Assignment first =
          requestor.verify(
              assignment(
                      taskId,
                      subtaskId,
                      "paid by Concent, as the requestor learns from it",
                      a ->
                          a.concent().equalsIgnoreCase("PAID_BY_CONCENT(tx " + paid.txHash() + ")"))
                  .within(Duration.ofSeconds(60)));
      Ledger ledger =
          requestor.verify(
              Condition.<NodeProcess, Ledger>that(
                      "every line of task " + taskId + "'s ledger paid",
                      r -> Ledger.of(r, taskId),
                      Ledger::allPaid)
                  .within(Duration.ofSeconds(60)));
      assertThat(ledger.payments())
          .as("the requestor's own batches never pay what Concent paid")
          .noneMatch(p -> p.subtaskId().equals(subtaskId));
      BigInteger concentPaidFromTheTask =
          first.state() == AssignmentState.ACCEPTED ? job.price() : BigInteger.ZERO;
      assertThat(done.spent())
          .as("what the task spent: its ledger, and the result Concent paid for if it took it")
          .isEqualTo(ledger.total().add(concentPaidFromTheTask));
      if (first.state() != AssignmentState.ACCEPTED) {
        assertThat(ledger.payments())
            .as("the subtask went to the newcomer")
            .singleElement()
            .satisfies(p -> assertThat(p.payee()).isEqualTo(newcomer.id()));
      }
      assertThat(net.chain().gnt(provider.id()))
          .as("the first provider got Concent's payment, and nothing more")
          .isEqualTo(providerBefore.add(job.price()));
      assertThat(net.chain().gnt(newcomer.id()))
          .as("the newcomer got what the ledger paid it")
          .isEqualTo(newcomerBefore.add(ledger.total()));
      assertThat(net.chain().depositOf(requestor.id())).isEqualTo(deposit.subtract(job.price()));
    }
  }
}
