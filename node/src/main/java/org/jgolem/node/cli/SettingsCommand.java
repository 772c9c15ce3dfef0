package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "settings",
    mixinStandardHelpOptions = true,
    description = "Show or change the node's settings.",
    subcommands = {SettingsCommand.Show.class, SettingsCommand.Set.class})
final class SettingsCommand {

  static void print(GolemCli.Base c, JsonNode node) {
    Map<String, String> settings = new TreeMap<>();
    node.properties()
        .forEach(
            e -> settings.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
    if (settings.isEmpty()) {
      c.out().println("No settings.");
      return;
    }
    Table table = new Table("KEY", "VALUE");
    settings.forEach(table::row);
    table.print(c.out());
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "List the settings.")
  static final class Show extends GolemCli.Base {
    @Override
    public Integer call() {
      JsonNode node = client().get("/v1/settings");
      return show(node, () -> print(this, node));
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true, description = "Change one setting.")
  static final class Set extends GolemCli.Base {
    @Parameters(
        index = "0",
        paramLabel = "KEY",
        description = "The setting's name (see 'golem settings show').")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "Its new value.")
    String value;

    @Override
    public Integer call() {
      JsonNode node =
          client().put("/v1/settings/" + ApiClient.segment(key), Map.of("value", value));
      return show(
          node,
          () -> {
            JsonNode now = node.get(key);
            out().println(key + " = " + (now == null || now.isNull() ? "-" : now.asText()));
          });
    }
  }
}
