package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jgolem.node.api.NodeService.NodeStatus;
import picocli.CommandLine.Command;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show the node: id, version, roles, environments.")
final class StatusCommand extends GolemCli.Base {
  @Override
  public Integer call() {
    JsonNode node = client().get("/v1/status");
    return show(
        node,
        () -> {
          NodeStatus s = ApiClient.read(node, NodeStatus.class);
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("Node id", s.nodeId());
          f.put("Version", s.version());
          f.put("Roles", Views.list(s.roles()));
          f.put("P2P endpoint", Views.orDash(s.p2pEndpoint()));
          f.put("Environments", Views.list(s.environments()));
          f.put("Peers", s.peers());
          Table.fields(out(), f);
        });
  }
}
