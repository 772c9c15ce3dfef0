package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;
import org.jgolem.node.api.ApiFixture;
import org.jgolem.node.cli.CliHarness.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code golem concent ...} against a real API server over the fake service (the commands on a real
 * chain: DepositApiAnvilTest, through the same routes).
 */
@Timeout(30)
class CliConcentTest {
  @TempDir Path data;
  ApiFixture api;
  Map<String, String> env;

  @BeforeEach
  void start() throws IOException {
    api = new ApiFixture(data);
    env = Map.of("JGOLEM_DATA", data.toString());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private Result golem(String... args) {
    return CliHarness.run(env, args);
  }

  @Test
  void depositTakesExactGntAndShowsTheDeposit() {
    Result r = golem("concent", "deposit", "2.5");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(api.service.calls).contains("addToDeposit 2500000000000000000");
    assertThat(r.out())
        .contains("Balance           2.5 GNT")
        .contains("State             locked (backs tasks with Concent)")
        .contains("Reserved          unknown (Concent not configured)")
        .contains("Transaction       0x" + "ab".repeat(32));
    Result s = golem("concent", "status");
    assertThat(s.exit()).isZero();
    assertThat(s.out()).contains("2.5 GNT").doesNotContain("Transaction");
  }

  @Test
  void statusAsJsonIsTheApisAnswer() throws IOException {
    Result r = golem("--json", "concent", "status");
    assertThat(r.exit()).isZero();
    var node = new ObjectMapper().readTree(r.out());
    assertThat(node.get("state").asText()).isEqualTo("LOCKED");
    assertThat(node.get("balance").asText()).isEqualTo("0");
    assertThat(node.get("reserved").isNull()).isTrue();
  }

  @Test
  void unlockShowsWhenTheDepositCanBeWithdrawnAndWithdrawSaysWhyNot() {
    Result u = golem("concent", "unlock");
    assertThat(u.exit()).isZero();
    assertThat(u.out()).contains("unlocking until 2023-11-15T22:13:20Z");
    Result w = golem("concent", "withdraw");
    assertThat(w.exit()).isEqualTo(1);
    assertThat(w.err()).contains("still locked until 2023-11-15T22:13:20Z");
    Result again = golem("concent", "unlock");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("already unlocked");
  }

  @Test
  void aMalformedAmountIsRefusedBeforeAnythingIsSent() {
    for (String bad : new String[] {"abc", "-1", "0", "0.0000000000000000001", ""}) {
      Result r = golem("concent", "deposit", bad);
      assertThat(r.exit()).as(bad).isEqualTo(1);
      assertThat(r.err()).as(bad).contains("AMOUNT");
    }
    assertThat(api.service.calls).noneMatch(c -> c.startsWith("addToDeposit"));
  }

  @Test
  void amountsAreExact() {
    assertThat(ConcentCommand.parseGnt("10")).isEqualTo(BigInteger.TEN.pow(19));
    assertThat(ConcentCommand.parseGnt("0.000000000000000001 GNT")).isEqualTo(BigInteger.ONE);
    assertThat(ConcentCommand.parseGnt("123456789.123456789123456789"))
        .isEqualTo(new BigInteger("123456789123456789123456789"));
    assertThatThrownBy(() -> ConcentCommand.parseGnt("1,5")).isInstanceOf(CliException.class);
  }

  @Test
  void helpListsTheFourCommands() {
    Result r = golem("concent", "--help");
    assertThat(r.out())
        .contains("status")
        .contains("deposit")
        .contains("unlock")
        .contains("withdraw");
  }
}
