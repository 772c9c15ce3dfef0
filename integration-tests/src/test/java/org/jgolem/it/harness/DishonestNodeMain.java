package org.jgolem.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.jgolem.compute.Capabilities;
import org.jgolem.compute.Environment;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.node.daemon.NodeConfig;
import org.jgolem.node.daemon.NodeDaemon;
import org.jgolem.node.identity.NodeIdentity;
import org.jgolem.protocol.identity.NodeKey;

/**
 * A provider that lies, for the integration tests only: this class lives in the test sources of
 * this module and is in no jar the project ships, so no configuration or command of a real node can
 * make a provider lie.
 *
 * <p>{@code DishonestNodeMain CONFIG DATA_DIR} starts the real daemon ({@link NodeDaemon}, provider
 * role only), with its WASM environment wrapped in {@link LyingEnvironment}: every subtask really
 * runs, then every byte of the second half of every output file is inverted before the result is
 * reported. The files keep their names and sizes, so only the comparison with other results can
 * tell.
 */
public final class DishonestNodeMain {
  private DishonestNodeMain() {}

  public static void main(String[] args) throws Exception {
    Path config = Path.of(args[0]);
    Path dataDir = Path.of(args[1]);
    NodeKey key =
        NodeIdentity.loadOrCreate(dataDir, NodeIdentity.passwordFrom(System.getenv()), System.err);
    NodeDaemon daemon =
        NodeDaemon.start(
            key,
            NodeConfig.read(config).withRoles(false, true),
            dataDir,
            Clock.systemUTC(),
            env -> env.name().equals("wasm") ? new LyingEnvironment(env) : env);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> {
              daemon.close();
              stopped.countDown();
            }));
    System.out.println("DISHONEST node " + key.address() + " running; data in " + dataDir);
    stopped.await();
  }

  /** Runs subtasks in the real environment, then garbles their output files in place. */
  static final class LyingEnvironment implements Environment {
    private final Environment real;

    LyingEnvironment(Environment real) {
      this.real = real;
    }

    @Override
    public String name() {
      return real.name();
    }

    @Override
    public Capabilities capabilities() {
      return real.capabilities();
    }

    @Override
    public Execution start(ExecutionSpec spec) {
      Execution inner = real.start(spec);
      Execution outer = new Execution(spec.subtaskId());
      outer.onCancel(inner::cancel);
      inner
          .result()
          .whenComplete((r, e) -> {
            if (e != null) {
              outer.complete(
                  ExecutionResult.failed(
                      spec,
                      real.name(),
                      new org.jgolem.compute.ComputeException(
                          org.jgolem.compute.FailureReason.ENVIRONMENT_ERROR, e.toString()),
                      java.time.Duration.ZERO));
              return;
            }
            if (r.succeeded()) {
              for (ExecutionResult.OutputFile f : r.outputs())
                garble(spec.output().resolve(f.path()));
              System.out.println(
                  "DISHONEST: garbled the outputs of " + spec.subtaskId() + ": " + r.outputs());
            }
            outer.complete(r);
          });
      return outer;
    }

    private static void garble(Path file) {
      try {
        byte[] b = Files.readAllBytes(file);
        for (int i = b.length / 2; i < b.length; i++) b[i] = (byte) ~b[i];
        Files.write(file, b);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      real.close();
    }
  }
}
