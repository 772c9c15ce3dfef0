package org.jgolem.node.cli;

import java.nio.file.Path;

/**
 * Starts the node daemon for {@code golem node start}. The daemon's module implements it and lists
 * the implementation in {@code META-INF/services/org.jgolem.node.cli.DaemonLauncher}; the CLI finds
 * it with {@link java.util.ServiceLoader} and says so clearly when there is none on the class path.
 */
public interface DaemonLauncher {

  /**
   * Runs the node until it stops (a signal, or a fatal error) and returns the process exit code.
   *
   * @param configFile the node's configuration file, absolute; it exists and is a regular file
   * @param dataDir the node's data folder as the CLI resolved it ({@code --data-dir}, {@code
   *     JGOLEM_DATA}, or {@code ~/.jgolem}); the daemon keeps its state, keystore and the API token
   *     file there, which is where the other {@code golem} commands look for them
   * @param provider whether to offer computing power
   * @param requestor whether to accept tasks from the operator; at least one role is always set
   * @throws Exception a failure to start, whose message the CLI prints
   */
  int run(Path configFile, Path dataDir, boolean provider, boolean requestor) throws Exception;
}
