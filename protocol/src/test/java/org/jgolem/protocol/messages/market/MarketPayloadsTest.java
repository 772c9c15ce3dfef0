package org.jgolem.protocol.messages.market;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jgolem.eth.Address;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.Fixtures;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.junit.jupiter.api.Test;

/** The links between task messages (hashes, answers) and the notes a TaskToCompute carries. */
class MarketPayloadsTest {
  private final TaskToCompute ttc = Fixtures.taskToCompute();
  private final ReportComputedTask report = Fixtures.report();

  @Test
  void reportAnswersExactlyItsTaskToCompute() {
    assertThat(report.answers(ttc)).isTrue();
    assertThat(report.taskToComputeHash()).isEqualTo(ttc.structHash());
    TaskToCompute later =
        new TaskToCompute(
            ttc.taskId(),
            ttc.subtaskId(),
            ttc.requestor(),
            ttc.provider(),
            ttc.price(),
            ttc.deadline() + 1,
            ttc.definition(),
            ttc.providerNote(),
            ttc.concentNote());
    assertThat(later.structHash()).isNotEqualTo(ttc.structHash());
    assertThat(report.answers(later)).as("a TaskToCompute with another deadline").isFalse();
  }

  @Test
  void answersToAReportNameItsHash() {
    byte[] reportHash = report.reportHash();
    assertThat(reportHash).isEqualTo(report.structHash());
    assertThat(
            ((AckReportComputedTask) Fixtures.payload(MessageType.ACK_REPORT_COMPUTED_TASK))
                .answers(report))
        .isTrue();
    assertThat(
            ((RejectReportComputedTask) Fixtures.payload(MessageType.REJECT_REPORT_COMPUTED_TASK))
                .answers(report))
        .isTrue();
    assertThat(
            ((SubtaskResultsAccepted) Fixtures.payload(MessageType.SUBTASK_RESULTS_ACCEPTED))
                .answers(report))
        .isTrue();
    assertThat(
            ((SubtaskResultsRejected) Fixtures.payload(MessageType.SUBTASK_RESULTS_REJECTED))
                .answers(report))
        .isTrue();

    ReportComputedTask other =
        new ReportComputedTask(
            report.taskToComputeHash(),
            report.subtaskId(),
            report.provider(),
            report.resultCid(),
            Fixtures.bytes32(0x55),
            report.size(),
            report.computeMillis());
    assertThat(new AckReportComputedTask(reportHash, report.subtaskId()).answers(other)).isFalse();
    assertThat(
            new SubtaskResultsAccepted(
                    reportHash,
                    report.subtaskId(),
                    ttc.requestor(),
                    ttc.provider(),
                    ttc.price(),
                    1_700_000_000L)
                .answers(other))
        .isFalse();
  }

  @Test
  void notesAreCheckedAgainstTheDepositDomain() {
    assertThat(ttc.notesSignedByRequestor(Fixtures.NOTES)).isTrue();
    assertThat(ttc.notesSignedByRequestor(new NoteSigner(1, Fixtures.DEPOSIT)))
        .as("another chain")
        .isFalse();
    assertThat(
            ttc.notesSignedByRequestor(
                new NoteSigner(Fixtures.CHAIN_ID, Address.of("0x" + "12".repeat(20)))))
        .as("another deposit contract")
        .isFalse();

    // A provider note signed by someone else but claiming the requestor as payer: valid form, wrong
    // signer.
    PromissoryNote note =
        new PromissoryNote(
            ttc.requestor(), ttc.provider(), ttc.price(), ttc.subtaskId(), Purpose.SUBTASK_PAYMENT);
    var byProvider =
        Fixtures.NOTES.sign(
            new PromissoryNote(
                ttc.provider(),
                ttc.provider(),
                ttc.price(),
                ttc.subtaskId(),
                Purpose.SUBTASK_PAYMENT),
            Fixtures.PROVIDER.keyPair());
    WireNote forged =
        new WireNote(
            note.payer(),
            note.payee(),
            note.amount(),
            note.subtaskId(),
            note.purpose(),
            byProvider.v(),
            byProvider.r(),
            byProvider.s());
    TaskToCompute withForged =
        new TaskToCompute(
            ttc.taskId(),
            ttc.subtaskId(),
            ttc.requestor(),
            ttc.provider(),
            ttc.price(),
            ttc.deadline(),
            ttc.definition(),
            forged,
            ttc.concentNote());
    withForged.validate();
    assertThat(withForged.notesSignedByRequestor(Fixtures.NOTES)).isFalse();
  }

  @Test
  void wireNoteRoundTripsToTheNotesApi() {
    var signed =
        Fixtures.NOTES.sign(
            new PromissoryNote(
                ttc.requestor(),
                ttc.provider(),
                BigInteger.TEN,
                ttc.subtaskId(),
                Purpose.SUBTASK_PAYMENT),
            Fixtures.REQUESTOR.keyPair());
    WireNote wire = WireNote.of(signed);
    assertThat(wire.toSignedNote().note()).isEqualTo(signed.note());
    assertThat(wire.toSignedNote().v()).isEqualTo(signed.v());
    assertThat(wire.toSignedNote().r()).isEqualTo(signed.r());
    assertThat(wire.toSignedNote().s()).isEqualTo(signed.s());
    assertThat(Fixtures.NOTES.recover(wire.toSignedNote())).isEqualTo(ttc.requestor());
  }

  @Test
  void cannotComputeTaskWithoutASubtask() {
    var whole =
        new CannotComputeTask(
            ttc.taskId(), CannotComputeTask.noSubtask(), CannotComputeTask.Reason.NO_CAPACITY, "");
    whole.validate();
    assertThat(whole.hasSubtask()).isFalse();
    assertThat(((CannotComputeTask) Fixtures.payload(MessageType.CANNOT_COMPUTE_TASK)).hasSubtask())
        .isTrue();
    CannotComputeTask.noSubtask()[0] = 1;
    assertThat(CannotComputeTask.noSubtask()).as("not shared").containsOnly(0);
  }

  @Test
  void payloadsAreImmutable() {
    byte[] taskId = Fixtures.bytes32(1);
    List<String> args = new ArrayList<>(List.of("a"));
    SubtaskDefinition d =
        new SubtaskDefinition(
            "wasm", "img", "", "main", args, List.of("out"), new ResourceLimits(1, 1, 1, 1));
    args.add("b");
    assertThat(d.args()).containsExactly("a");
    WantToComputeTask w =
        new WantToComputeTask(
            taskId,
            Fixtures.PROVIDER.address(),
            BigInteger.ONE,
            1,
            1,
            1,
            Fixtures.endpoint(Fixtures.PROVIDER, 1),
            args);
    w.taskId()[0] = 99;
    args.add("c");
    assertThat(w.environments()).containsExactly("a", "b");
    assertThat(w.taskId()[0]).isEqualTo((byte) 1);
  }

  @Test
  void theFlowRoundTripsThroughTheCodec() {
    MessageCodec codec = Fixtures.codec();
    for (MessageType t :
        List.of(
            MessageType.WANT_TO_COMPUTE_TASK,
            MessageType.TASK_TO_COMPUTE,
            MessageType.REPORT_COMPUTED_TASK,
            MessageType.SUBTASK_RESULTS_ACCEPTED)) {
      Envelope e =
          codec.seal(
              Fixtures.payload(t), Fixtures.sender(t), Fixtures.TIMESTAMP, Fixtures.messageId(t));
      Envelope back = codec.decode(codec.encode(e));
      assertThat(back.payload()).isEqualTo(e.payload());
      assertThat(back.sender()).isEqualTo(Fixtures.sender(t).address());
    }
    TaskToCompute decoded =
        codec
            .decode(
                codec.encode(codec.seal(ttc, Fixtures.REQUESTOR, Fixtures.TIMESTAMP, new byte[16])))
            .payload(TaskToCompute.class);
    assertThat(Arrays.equals(decoded.structHash(), ttc.structHash())).isTrue();
    assertThat(decoded.notesSignedByRequestor(Fixtures.NOTES)).isTrue();
  }

  @Test
  void aGroupedDefinitionRoundTripsAndIsValidated() {
    MessageCodec codec = Fixtures.codec();
    TaskToCompute grouped = Fixtures.groupedTaskToCompute();
    grouped.validate();
    TaskToCompute back =
        codec
            .decode(
                codec.encode(
                    codec.seal(grouped, Fixtures.REQUESTOR, Fixtures.TIMESTAMP, new byte[16])))
            .payload(TaskToCompute.class);
    assertThat(back.definition().runs()).isEqualTo(grouped.definition().runs());
    assertThat(back.structHash()).isEqualTo(grouped.structHash());
  }

  @Test
  void aGroupedDefinitionsFaultsAreNamed() {
    SubtaskDefinition g = Fixtures.groupedDefinition();
    List<SubtaskRun> runs = g.runs();
    assertFault(
        with(g, g.args(), g.outputPaths(), List.of(runs.get(0), runs.get(0))),
        "d.runs[1].name",
        "repeats s0");
    assertFault(
        with(g, List.of("x"), g.outputPaths(), runs),
        "d.args",
        "must be empty when there are runs");
    assertFault(
        with(g, g.args(), List.of("out.txt"), runs),
        "d.outputPaths",
        "must be empty when there are runs");
    assertFault(
        with(g, g.args(), g.outputPaths(), List.of(new SubtaskRun("..", List.of(), List.of("a")))),
        "d.runs[0].name",
        "not \".\" or \"..\"");
    assertFault(
        with(g, g.args(), g.outputPaths(), List.of(new SubtaskRun("a/b", List.of(), List.of("a")))),
        "d.runs[0].name",
        "[A-Za-z0-9_.-]");
    assertFault(
        with(
            g,
            g.args(),
            g.outputPaths(),
            List.of(new SubtaskRun("render.wasm", List.of(), List.of("a")))),
        "d.runs[0].name",
        "must not be the entry point's name");
    assertFault(
        with(
            g,
            g.args(),
            g.outputPaths(),
            List.of(new SubtaskRun("s", List.of(), List.of("../up")))),
        "d.runs[0].outputPaths[0]",
        "without \"..\"");
    List<SubtaskRun> many = new ArrayList<>();
    for (int i = 0; i <= SubtaskDefinition.MAX_RUNS; i++)
      many.add(new SubtaskRun("s" + i, List.of(), List.of("o")));
    assertFault(
        with(g, g.args(), g.outputPaths(), many),
        "d.runs",
        "at most " + SubtaskDefinition.MAX_RUNS);
    List<SubtaskRun> withNull = new ArrayList<>(runs);
    withNull.add(null);
    assertFault(with(g, g.args(), g.outputPaths(), withNull), "d.runs[3]", "");
  }

  private static SubtaskDefinition with(
      SubtaskDefinition g, List<String> args, List<String> outs, List<SubtaskRun> runs) {
    return new SubtaskDefinition(
        g.environment(), g.image(), g.resourcesCid(), g.entryPoint(), args, outs, g.limits(), runs);
  }

  private static void assertFault(SubtaskDefinition d, String field, String reason) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.validate("d"))
        .isInstanceOf(org.jgolem.protocol.messages.InvalidMessageException.class)
        .hasMessageContaining(field)
        .hasMessageContaining(reason);
  }
}
