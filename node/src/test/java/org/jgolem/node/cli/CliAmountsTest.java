package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.node.api.NodeService.TaskSummary;
import org.jgolem.testkit.FakeClock;
import org.junit.jupiter.api.Test;

/** Exact token amounts, table layout and the progress bar, without a server. */
class CliAmountsTest {

  @Test
  void weiAreShownAsExactGnt() {
    assertThat(Amounts.gnt("1")).isEqualTo("0.000000000000000001 GNT");
    assertThat(Amounts.gnt("0")).isEqualTo("0 GNT");
    assertThat(Amounts.gnt("1000000000000000000")).isEqualTo("1 GNT");
    assertThat(Amounts.gnt("1500000000000000000")).isEqualTo("1.5 GNT");
    assertThat(Amounts.gnt("1000000000000000000000")).isEqualTo("1000 GNT");
    assertThat(Amounts.gnt("999999999999999999")).isEqualTo("0.999999999999999999 GNT");
    // beyond what a double holds exactly
    assertThat(Amounts.gnt("123456789012345678901234567890"))
        .isEqualTo("123456789012.34567890123456789 GNT");
    assertThat(Amounts.gnt("9007199254740993000000000000")).isEqualTo("9007199254.740993 GNT");
    assertThat(Amounts.gnt("-2500000000000000000")).isEqualTo("-2.5 GNT");
    assertThat(Amounts.eth("10")).isEqualTo("0.00000000000000001 ETH");
    assertThat(Amounts.gnt(null)).isEqualTo("-");
  }

  @Test
  void aMalformedAmountIsAnErrorNamingIt() {
    assertThatThrownBy(() -> Amounts.gnt("1.5"))
        .isInstanceOf(CliException.class)
        .hasMessage("the node sent a malformed amount '1.5' (expected a whole number of wei)");
    assertThatThrownBy(() -> Amounts.gnt("")).isInstanceOf(CliException.class);
  }

  @Test
  void tablesAlignColumnsAndRightAlignNumbers() {
    StringWriter s = new StringWriter();
    new Table("NAME", "AMOUNT", "NOTE")
        .alignRight(1)
        .row("a", "1 GNT", "x")
        .row("longer name", "0.000000000000000001 GNT", null)
        .print(new PrintWriter(s));
    assertThat(s.toString())
        .isEqualTo(
            String.join(
                "\n",
                "NAME" + " ".repeat(27) + "AMOUNT  NOTE",
                "a" + " ".repeat(31) + "1 GNT  x",
                "longer name  0.000000000000000001 GNT  -",
                ""));
  }

  @Test
  void fieldsArePaddedToTheLongestLabel() {
    StringWriter s = new StringWriter();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ID", "t-1");
    f.put("Progress", "1/2");
    f.put("Output", null);
    Table.fields(new PrintWriter(s), f);
    assertThat(s.toString()).isEqualTo("ID        t-1\nProgress  1/2\nOutput    -\n");
  }

  @Test
  void theProgressBar() {
    assertThat(ProgressView.bar(task("COMPUTING", 10, 3)))
        .isEqualTo("[#########---------------------]  30%  3/10 subtasks  COMPUTING");
    assertThat(ProgressView.bar(task("CREATED", 0, 0)))
        .isEqualTo("[------------------------------]   0%  0/0 subtasks  CREATED");
    // 199/200 is 99%, never rounded up to a full bar before the end
    assertThat(ProgressView.bar(task("COMPUTING", 200, 199)))
        .isEqualTo("[" + "#".repeat(29) + "-]  99%  199/200 subtasks  COMPUTING");
    assertThat(ProgressView.bar(task("FINISHED", 4, 4)))
        .isEqualTo("[##############################] 100%  4/4 subtasks  FINISHED");
    assertThat(ProgressView.line(task("COMPUTING", 4, 1)))
        .isEqualTo("task t-1: 25% (1/4 subtasks accepted), COMPUTING");
  }

  @Test
  void onATerminalTheBarIsRedrawnInPlace() {
    StringWriter s = new StringWriter();
    ProgressView v =
        new ProgressView(
            new PrintWriter(s), true, Duration.ofNanos(Long.MAX_VALUE), new FakeClock(0));
    v.update(task("COMPUTING", 4, 1));
    v.update(task("FINISHED", 4, 4));
    v.finish();
    assertThat(s.toString())
        .isEqualTo(
            "\r[#######-----------------------]  25%  1/4 subtasks  COMPUTING"
                + "\r[##############################] 100%  4/4 subtasks  FINISHED \n"); // a blank
    // covers
    // the
    // longer
    // bar
  }

  @Test
  void elsewhereALineIsPrintedOnlyWhenSomethingChanges() {
    StringWriter s = new StringWriter();
    ProgressView v =
        new ProgressView(
            new PrintWriter(s), false, Duration.ofNanos(Long.MAX_VALUE), new FakeClock(0));
    v.update(task("COMPUTING", 4, 1));
    v.update(task("COMPUTING", 4, 1));
    v.update(task("COMPUTING", 4, 2));
    v.finish();
    assertThat(s.toString())
        .isEqualTo(
            "task t-1: 25% (1/4 subtasks accepted), COMPUTING\ntask t-1: 50% (2/4 subtasks accepted), COMPUTING\n");

    StringWriter periodic = new StringWriter();
    ProgressView every =
        new ProgressView(new PrintWriter(periodic), false, Duration.ZERO, new FakeClock(0));
    every.update(task("COMPUTING", 4, 1));
    every.update(task("COMPUTING", 4, 1));
    assertThat(periodic.toString().lines()).hasSize(2);
  }

  @Test
  void elsewhereAnUnchangedLineIsRepeatedOnceTheHeartbeatHasPassedNotBefore() {
    StringWriter s = new StringWriter();
    FakeClock clock = new FakeClock(1_000_000);
    ProgressView v = new ProgressView(new PrintWriter(s), false, Duration.ofSeconds(30), clock);
    v.update(task("COMPUTING", 4, 1));
    clock.advance(Duration.ofMillis(29_999));
    v.update(task("COMPUTING", 4, 1));
    assertThat(s.toString().lines()).hasSize(1);
    clock.advance(Duration.ofMillis(1));
    v.update(task("COMPUTING", 4, 1));
    assertThat(s.toString().lines()).hasSize(2);
  }

  @Test
  void timesAreUtc() {
    assertThat(Views.time(1_700_000_000_000L)).isEqualTo("2023-11-14 22:13:20Z");
    assertThat(Views.time(0)).isEqualTo("-");
  }

  private static TaskSummary task(String state, int n, int accepted) {
    return new TaskSummary("t-1", "x", "wasm", state, n, accepted, 0, 0, 0, null, "0", "0", 0);
  }
}
