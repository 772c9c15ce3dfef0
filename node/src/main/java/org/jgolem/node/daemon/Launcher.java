package org.jgolem.node.daemon;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.jgolem.node.cli.DaemonLauncher;
import org.jgolem.node.identity.NodeIdentity;
import org.jgolem.protocol.identity.NodeKey;

/**
 * {@code golem node start}: runs a {@link NodeDaemon} until the process is told to stop (SIGTERM,
 * Ctrl-C).
 */
public final class Launcher implements DaemonLauncher {
  @Override
  public int run(Path configFile, Path dataDir, boolean provider, boolean requestor)
      throws Exception {
    NodeConfig config = NodeConfig.read(configFile).withRoles(requestor, provider);
    NodeKey key =
        NodeIdentity.loadOrCreate(dataDir, NodeIdentity.passwordFrom(System.getenv()), System.err);
    NodeDaemon daemon = NodeDaemon.start(key, config, dataDir, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  daemon.close();
                  stopped.countDown();
                },
                "node-shutdown"));
    System.out.println("node " + key.address() + " running; data in " + dataDir);
    stopped.await();
    return 0;
  }
}
