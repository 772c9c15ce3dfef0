package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jgolem.node.api.NodeService.PeerSummary;
import picocli.CommandLine.Command;

@Command(
    name = "network",
    mixinStandardHelpOptions = true,
    description = "The node's P2P network.",
    subcommands = NetworkCommand.Peers.class)
final class NetworkCommand {

  @Command(
      name = "peers",
      mixinStandardHelpOptions = true,
      description = "List the connected peers.")
  static final class Peers extends GolemCli.Base {
    @Override
    public Integer call() {
      JsonNode node = client().get("/v1/peers");
      return show(
          node,
          () -> {
            List<PeerSummary> peers = ApiClient.readList(node, PeerSummary.class);
            if (peers.isEmpty()) {
              out().println("No peers connected.");
              return;
            }
            Table table = new Table("NODE ID", "ADDRESS", "DIRECTION");
            for (PeerSummary p : peers) {
              String host =
                  p.host() != null && p.host().contains(":") ? "[" + p.host() + "]" : p.host();
              table.row(p.nodeId(), host + ":" + p.port(), p.outbound() ? "outbound" : "inbound");
            }
            table.print(out());
          });
    }
  }
}
