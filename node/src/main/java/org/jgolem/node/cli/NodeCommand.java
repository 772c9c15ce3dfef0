package org.jgolem.node.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = "Run the node itself.",
    subcommands = NodeCommand.Start.class)
final class NodeCommand {

  @Command(
      name = "start",
      mixinStandardHelpOptions = true,
      description = {
        "Start the node daemon from a configuration file and run it until stopped.",
        "Without --provider or --requestor, the node takes both roles."
      })
  static final class Start extends GolemCli.Base {
    @Option(
        names = {"-c", "--config"},
        paramLabel = "FILE",
        required = true,
        description = "The node's configuration file.")
    Path config;

    @Option(names = "--provider", description = "Offer computing power to the network.")
    boolean provider;

    @Option(names = "--requestor", description = "Accept tasks from this node's operator.")
    boolean requestor;

    @Override
    public Integer call() {
      Path file = config.toAbsolutePath().normalize();
      if (!Files.isRegularFile(file)) {
        throw new ParameterException(
            spec.commandLine(),
            "the configuration file "
                + file
                + (Files.exists(file) ? " is not a regular file" : " does not exist"));
      }
      List<DaemonLauncher> launchers;
      try {
        launchers =
            ServiceLoader.load(DaemonLauncher.class, root().launcherLoader).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
      } catch (ServiceConfigurationError e) {
        throw new CliException("the node daemon could not be loaded: " + e.getMessage());
      }
      if (launchers.isEmpty()) {
        throw new CliException(
            "this jgolem build has no node daemon: no implementation of "
                + DaemonLauncher.class.getName()
                + " is on the class path (looked up with ServiceLoader, from META-INF/"
                + "services/"
                + DaemonLauncher.class.getName()
                + "). The other golem commands talk to a node started"
                + " by a build that has one.");
      }
      if (launchers.size() > 1) {
        throw new CliException(
            "more than one node daemon on the class path: "
                + launchers.stream()
                    .map(l -> l.getClass().getName())
                    .collect(Collectors.joining(", "))
                + "; keep one");
      }
      boolean both = !provider && !requestor;
      DaemonLauncher launcher = launchers.get(0);
      try {
        return launcher.run(file, root().dataDir(), provider || both, requestor || both);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted while running the node");
      } catch (Exception e) {
        throw new CliException(
            "the node failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()),
            List.of(),
            e);
      }
    }
  }
}
