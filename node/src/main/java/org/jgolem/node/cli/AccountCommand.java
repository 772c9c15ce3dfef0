package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.node.api.NodeService.AccountSummary;
import picocli.CommandLine.Command;

@Command(
    name = "account",
    mixinStandardHelpOptions = true,
    description = "Show the node's address and balances (in GNT and ETH; --json gives wei).")
final class AccountCommand extends GolemCli.Base {
  @Override
  public Integer call() {
    JsonNode node = client().get("/v1/account");
    return show(
        node,
        () -> {
          AccountSummary a = ApiClient.read(node, AccountSummary.class);
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("Address", a.address());
          f.put("GNT", Amounts.gnt(a.gnt()));
          f.put("ETH", Amounts.eth(a.eth()));
          f.put("Reserved", Amounts.gnt(a.reserved()) + " (owed for accepted work, not yet paid)");
          Table.fields(out(), f);
        });
  }
}
