package org.jgolem.compute;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The provider's task computer: routes each subtask to the environment its program needs, validates
 * the request first, keeps track of what runs, and cancels everything on close.
 */
public final class TaskComputer implements AutoCloseable {
  private final Map<String, Environment> environments = new LinkedHashMap<>();
  private final Set<Execution> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public TaskComputer(List<? extends Environment> envs) {
    for (Environment e : envs) {
      if (environments.putIfAbsent(e.name(), e) != null) {
        throw new IllegalArgumentException("two environments named " + e.name());
      }
    }
  }

  /**
   * Starts a subtask. Refusals (a malformed spec, an unknown environment) come back as failed
   * results.
   */
  public Execution run(ExecutionSpec spec) {
    String envName = spec.program().environment();
    Environment env = environments.get(envName);
    try {
      if (closed)
        throw new ComputeException(
            FailureReason.ENGINE_UNAVAILABLE, "the task computer is shut down");
      if (env == null) {
        throw new ComputeException(
            FailureReason.ENGINE_UNAVAILABLE, "no '" + envName + "' environment on this node");
      }
      spec.validate();
    } catch (ComputeException e) {
      return Execution.finished(ExecutionResult.failed(spec, envName, e, Duration.ZERO));
    }
    Execution x = env.start(spec);
    running.add(x);
    x.result().whenComplete((r, t) -> running.remove(x));
    return x;
  }

  /** What each environment supports, for the node to advertise. */
  public List<Capabilities> capabilities() {
    List<Capabilities> out = new ArrayList<>();
    for (Environment e : environments.values()) out.add(e.capabilities());
    return out;
  }

  /**
   * The environments this node offers in its WantToComputeTask: {@code "wasm"}, {@code "host"}, and
   * {@code "docker:sha256:<id>"} per whitelisted image present. Unavailable environments are left
   * out.
   */
  public List<String> advertisedEnvironments() {
    List<String> out = new ArrayList<>();
    for (Capabilities c : capabilities()) {
      if (!c.available()) continue;
      if (c.environment().equals("docker")) {
        for (String image : c.images()) {
          int at = image.lastIndexOf('@');
          out.add("docker:" + (at >= 0 ? image.substring(at + 1) : image));
        }
      } else {
        out.add(c.environment());
      }
    }
    return out;
  }

  public Environment environment(String name) {
    return environments.get(name);
  }

  /** Subtasks that have started and not yet ended. */
  public Set<Execution> running() {
    return Set.copyOf(running);
  }

  @Override
  public void close() {
    closed = true;
    for (Execution x : running) x.cancel();
    for (Environment e : environments.values()) e.close();
  }
}
