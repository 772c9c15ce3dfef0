package org.jgolem.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to one Docker engine, for one environment instance: the client, what its errors
 * mean, the labels that find this node's containers, and the engine-paced polls.
 *
 * <p>Polls ({@link #poll}) follow the engine's pace, not a deadline of the node's: after an exec's
 * streams end the engine records its exit a moment later, a killed container stops a moment later.
 * They run in real time on this connection's I/O threads (a fake clock cannot make the engine
 * answer sooner); the caller bounds the wait on the future it gets.
 */
final class DockerEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DockerEngine.class);

  /** A question to the engine: its answer, or null to be asked again later. */
  interface Probe<T> {
    T ask() throws Exception;
  }

  final DockerConfig config;
  final DockerClient docker;

  /**
   * This environment instance's id, the {@value DockerEnvironment#LABEL_INSTANCE} label of its
   * containers.
   */
  final String instanceId = randomHex(8);

  /**
   * Where polls ask again (platform threads: docker-java's unix socket goes through JNA). Never
   * shut down, so that a poll still going when the environment closes ends by its caller's bound,
   * not by a rejected task; its idle threads end after a minute.
   */
  private final ExecutorService io =
      Executors.newCachedThreadPool(
          r -> Thread.ofPlatform().daemon().name("docker-engine-io").unstarted(r));

  private volatile boolean reaped;

  DockerEngine(DockerConfig config) {
    this.config = config;
    DockerClientConfig cc =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(config.dockerHost())
            .build();
    var http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(cc.getDockerHost())
            .sslConfig(cc.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(Duration.ofSeconds(5))
            .build();
    this.docker = DockerClientImpl.getInstance(cc, http);
  }

  /**
   * Asks {@code probe} at once, then again after {@code nextDelayMs} of the previous delay (of 0
   * for the first) until it answers; the future completes with the answer, or fails with what the
   * probe threw. Cancelling it stops the asking.
   */
  <T> CompletableFuture<T> poll(Probe<T> probe, LongUnaryOperator nextDelayMs) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    ask(probe, nextDelayMs, answer, 0);
    return answer;
  }

  private <T> void ask(
      Probe<T> probe, LongUnaryOperator next, CompletableFuture<T> answer, long delayMs) {
    if (answer.isDone()) return;
    T t;
    try {
      t = probe.ask();
    } catch (Exception | Error e) {
      answer.completeExceptionally(e);
      return;
    }
    if (t != null) {
      answer.complete(t);
      return;
    }
    long d = Math.max(1, next.applyAsLong(delayMs));
    try {
      CompletableFuture.delayedExecutor(d, TimeUnit.MILLISECONDS, io)
          .execute(() -> ask(probe, next, answer, d));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      answer.completeExceptionally(new IllegalStateException("the Docker environment is closed"));
    }
  }

  /**
   * Removes every container labelled with this node's id that this instance did not create: what a
   * crashed or killed earlier run left behind. Returns how many it removed.
   */
  int reapLeftovers() throws ComputeException {
    List<Container> found;
    try {
      found =
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of(DockerEnvironment.LABEL_NODE, config.nodeId()))
              .exec();
    } catch (RuntimeException e) {
      throw engineError("listing leftover containers", e);
    }
    int n = 0;
    for (Container c : found) {
      Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
      if (instanceId.equals(labels.get(DockerEnvironment.LABEL_INSTANCE))) continue;
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        n++;
      } catch (NotFoundException gone) {
        // removed meanwhile
      } catch (RuntimeException e) {
        throw engineError("removing leftover container " + c.getId(), e);
      }
    }
    reaped = true;
    return n;
  }

  void ensureReaped() throws ComputeException {
    if (!reaped) {
      synchronized (this) {
        if (!reaped) reapLeftovers();
      }
    }
  }

  /**
   * Maps an exception from docker-java: no answer (an I/O failure underneath) is
   * ENGINE_UNAVAILABLE, an HTTP error from the engine is ENVIRONMENT_ERROR; both messages say what
   * was being done.
   */
  ComputeException engineError(String doing, RuntimeException e) {
    if (e instanceof DockerException de) {
      return new ComputeException(
          FailureReason.ENVIRONMENT_ERROR,
          "the Docker engine refused "
              + doing
              + " (HTTP "
              + de.getHttpStatus()
              + "): "
              + engineMessage(de),
          e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return new ComputeException(
            FailureReason.ENGINE_UNAVAILABLE,
            "the Docker engine at "
                + config.dockerHost()
                + " does not answer ("
                + doing
                + "): "
                + t.getMessage(),
            e);
      }
    }
    return new ComputeException(
        FailureReason.ENVIRONMENT_ERROR, "Docker client failure while " + doing + ": " + e, e);
  }

  @Override
  public void close() {
    try {
      docker.close();
    } catch (IOException e) {
      log.debug("closing the Docker client: {}", e.toString());
    }
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new java.security.SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * The engine's own words from a docker-java error ("Status 404: {"message":"No such image:
   * ..."}").
   */
  static String engineMessage(DockerException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    var match =
        java.util.regex.Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
            .matcher(m);
    return match.find() ? match.group(1).replace("\\\"", "\"") : firstLine(m);
  }

  static String firstLine(String s) {
    if (s == null) return "";
    s = s.strip();
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }
}
