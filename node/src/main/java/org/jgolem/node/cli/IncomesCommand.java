package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jgolem.node.api.NodeService.IncomeSummary;
import picocli.CommandLine.Command;

@Command(
    name = "incomes",
    mixinStandardHelpOptions = true,
    description =
        "List the payments expected or received for your node's work (amounts in GNT; --json gives wei).")
final class IncomesCommand extends GolemCli.Base {
  @Override
  public Integer call() {
    JsonNode node = client().get("/v1/incomes");
    return show(
        node,
        () -> {
          List<IncomeSummary> incomes = ApiClient.readList(node, IncomeSummary.class);
          if (incomes.isEmpty()) {
            out().println("No incomes.");
            return;
          }
          // the CONCENT column only when an income went through Concent
          boolean concent =
              incomes.stream().anyMatch(i -> i.concent() != null && !i.concent().isEmpty());
          Table table =
              concent
                  ? new Table("SUBTASK", "PAYER", "AMOUNT", "STATUS", "TX", "CONCENT").alignRight(2)
                  : new Table("SUBTASK", "PAYER", "AMOUNT", "STATUS", "TX").alignRight(2);
          for (IncomeSummary i : incomes) {
            if (concent) {
              table.row(
                  i.subtaskId(),
                  i.payer(),
                  Amounts.gnt(i.amount()),
                  i.status(),
                  Views.orDash(i.txHash()),
                  Views.orDash(i.concent()));
            } else {
              table.row(
                  i.subtaskId(),
                  i.payer(),
                  Amounts.gnt(i.amount()),
                  i.status(),
                  Views.orDash(i.txHash()));
            }
          }
          table.print(out());
        });
  }
}
