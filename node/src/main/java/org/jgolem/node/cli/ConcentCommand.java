package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.node.api.NodeService.DepositSummary;
import org.jgolem.tasks.definition.Problems;
import org.jgolem.tasks.definition.TaskFileParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "concent",
    mixinStandardHelpOptions = true,
    description = {
      "The node's Concent deposit (GNTDeposit on chain).",
      "A requestor announces a task with Concent only while its deposit holds at least twice the"
          + " task's maximum cost and is locked; providers check it before they offer."
    },
    subcommands = {
      ConcentCommand.Status.class,
      ConcentCommand.Deposit.class,
      ConcentCommand.Unlock.class,
      ConcentCommand.Withdraw.class
    })
final class ConcentCommand {
  private static final String PATH = "/v1/concent";

  private ConcentCommand() {}

  static void print(GolemCli.Base c, DepositSummary d) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("Owner", d.owner());
    f.put("Balance", Amounts.gnt(d.balance()));
    f.put(
        "State",
        switch (d.state()) {
          case "LOCKED" -> "locked (backs tasks with Concent)";
          case "UNLOCKING" ->
              "unlocking until "
                  + Instant.ofEpochSecond(d.timelock())
                  + " (withdraw after that; tasks with Concent refuse it meanwhile)";
          case "UNLOCKED" -> "unlocked (can be withdrawn now: golem concent withdraw)";
          default -> d.state();
        });
    f.put("Withdrawal delay", d.withdrawalDelaySeconds() + " s after an unlock");
    f.put(
        "Reserved",
        d.reserved() == null
            ? "unknown (Concent not configured)"
            : Amounts.gnt(d.reserved()) + " (held by open Concent cases)");
    if (d.txHash() != null && !d.txHash().isEmpty()) f.put("Transaction", d.txHash());
    Table.fields(c.out(), f);
  }

  static Integer answer(GolemCli.Base c, JsonNode node) {
    return c.show(node, () -> print(c, ApiClient.read(node, DepositSummary.class)));
  }

  /**
   * GNT as people write it ({@code 10}, {@code 0.5}, at most 18 decimals; an optional {@code GNT}
   * after it) in wei, exactly, by the task file's own amount parser; a clear error otherwise.
   */
  static BigInteger parseGnt(String text) {
    String t = text == null ? "" : text.strip();
    if (t.regionMatches(true, Math.max(0, t.length() - 3), "GNT", 0, 3)) {
      t = t.substring(0, t.length() - 3).strip();
    }
    Problems problems = new Problems();
    BigInteger wei = TaskFileParser.gnt(TextNode.valueOf(t), "AMOUNT", problems);
    if (!problems.isEmpty()) {
      throw new CliException(problems.list().get(0) + "; got '" + text + "'");
    }
    if (wei.signum() == 0) throw new CliException("AMOUNT must be more than 0 GNT");
    return wei;
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "Show the deposit: balance, timelock (locked, unlocking until T, unlocked),"
              + " and what open Concent cases reserve of it.")
  static final class Status extends GolemCli.Base {
    @Override
    public Integer call() {
      return answer(this, client().get(PATH + "/deposit"));
    }
  }

  @Command(
      name = "deposit",
      mixinStandardHelpOptions = true,
      description = "Add AMOUNT GNT of the node's account to its deposit (one transaction).")
  static final class Deposit extends GolemCli.Base {
    @Parameters(paramLabel = "AMOUNT", description = "GNT, such as 10 or 0.5 (exact, 18 decimals).")
    String amount;

    @Override
    public Integer call() {
      BigInteger wei = parseGnt(amount);
      return answer(this, client().post(PATH + "/deposit", Map.of("amount", wei.toString())));
    }
  }

  @Command(
      name = "unlock",
      mixinStandardHelpOptions = true,
      description =
          "Start withdrawing the deposit: it can be withdrawn after the contract's delay;"
              + " meanwhile providers refuse this node's tasks with Concent.")
  static final class Unlock extends GolemCli.Base {
    @Override
    public Integer call() {
      return answer(this, client().post(PATH + "/unlock", Map.of()));
    }
  }

  @Command(
      name = "withdraw",
      mixinStandardHelpOptions = true,
      description = "Pay the whole deposit back to the node's own address, once unlocked.")
  static final class Withdraw extends GolemCli.Base {
    @Override
    public Integer call() {
      return answer(this, client().post(PATH + "/withdraw", Map.of()));
    }
  }
}
