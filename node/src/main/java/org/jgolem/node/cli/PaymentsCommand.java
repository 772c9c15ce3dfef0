package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jgolem.node.api.NodeService.PaymentSummary;
import picocli.CommandLine.Command;

@Command(
    name = "payments",
    mixinStandardHelpOptions = true,
    description =
        "List the payments for the work done on your tasks (amounts in GNT; --json gives wei).")
final class PaymentsCommand extends GolemCli.Base {
  @Override
  public Integer call() {
    JsonNode node = client().get("/v1/payments");
    return show(
        node,
        () -> {
          List<PaymentSummary> payments = ApiClient.readList(node, PaymentSummary.class);
          if (payments.isEmpty()) {
            out().println("No payments.");
            return;
          }
          Table table =
              new Table("TASK", "SUBTASK", "PAYEE", "AMOUNT", "STATUS", "TX", "DETAIL")
                  .alignRight(3);
          for (PaymentSummary p : payments) {
            table.row(
                p.taskId(),
                p.subtaskId(),
                p.payee(),
                Amounts.gnt(p.amount()),
                p.status(),
                Views.orDash(p.txHash()),
                Views.orDash(p.detail()));
          }
          table.print(out());
        });
  }
}
