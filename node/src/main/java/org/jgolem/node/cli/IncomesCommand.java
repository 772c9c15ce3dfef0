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
          Table table = new Table("SUBTASK", "PAYER", "AMOUNT", "STATUS", "TX").alignRight(2);
          for (IncomeSummary i : incomes) {
            table.row(
                i.subtaskId(),
                i.payer(),
                Amounts.gnt(i.amount()),
                i.status(),
                Views.orDash(i.txHash()));
          }
          table.print(out());
        });
  }
}
