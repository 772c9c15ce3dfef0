package org.jgolem.compute.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jgolem.compute.ComputeException;
import org.jgolem.compute.ExecutionSpec;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.Limits;
import org.jgolem.compute.Program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine calls of one run: what the node admits, creating the container with every setting that
 * confines it (see {@link DockerEnvironment}), the exec, and waiting for, killing and removing it.
 * {@link DockerRun} decides when.
 */
final class RunContainer {
  private static final Logger log = LoggerFactory.getLogger(RunContainer.class);

  static final String SUBTASK_USER = "1000:1000";
  static final String KEEPER_USER = "65534:65534";

  /**
   * docker-init, the keeper's sleep and the subtask's wrapper shell, beyond the subtask's own
   * processes.
   */
  static final int KEEPER_PIDS = 3;

  static final int MAX_OUTPUT_ENTRIES = 10_000;

  /**
   * The output tmpfs is this much larger than the output limit, so that overflowing it is seen as
   * too large.
   */
  static final long OUTPUT_SLACK = Limits.MIB;

  static final int SCRATCH_INODES = 65_536;
  static final long MAX_SHM = 64 * Limits.MIB;
  static final long KEEPER_MARGIN_SECONDS = 600;

  /**
   * A bound on removing a container (a loaded engine takes seconds to remove one full of
   * processes): only a hang hits it.
   */
  static final Duration REMOVE_WAIT = Duration.ofSeconds(120);

  /**
   * Throws CANCELLED if the run was cancelled meanwhile (then an engine error is the cancellation's
   * doing).
   */
  interface Checkpoint {
    void check() throws ComputeException;
  }

  private final DockerEngine engine;
  private final DockerClient docker;
  private final ExecutionSpec spec;
  private final Limits limits;
  private final Checkpoint cancelled;

  RunContainer(DockerEngine engine, ExecutionSpec spec, Checkpoint cancelled) {
    this.engine = engine;
    this.docker = engine.docker;
    this.spec = spec;
    this.limits = spec.limits();
    this.cancelled = cancelled;
  }

  /**
   * The spec's image, if this node runs it: a valid spec, a whitelisted image, limits within the
   * node's caps.
   */
  Program.DockerImage admit() throws ComputeException {
    spec.validate();
    if (!(spec.program() instanceof Program.DockerImage image)) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC,
          "the docker environment runs Docker images; this subtask's program is " + spec.program());
    }
    DockerConfig c = engine.config;
    if (!c.allowedImageIds().contains(image.imageId())) {
      throw new ComputeException(
          FailureReason.IMAGE_NOT_ALLOWED,
          "image " + image.name() + " (" + image.imageId() + ") is not on this node's whitelist");
    }
    if (c.maxCpus() > 0 && limits.cpus() > c.maxCpus()) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC,
          "the subtask asks for "
              + limits.cpus()
              + " cpus; this node gives at most "
              + c.maxCpus());
    }
    if (c.maxMemoryBytes() > 0 && limits.memoryBytes() > c.maxMemoryBytes()) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC,
          "the subtask asks for "
              + limits.memoryBytes()
              + " bytes of memory; this node gives at most "
              + c.maxMemoryBytes());
    }
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(spec.resources());
      if (!p.contains(PosixFilePermission.OTHERS_READ)
          || !p.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new ComputeException(
            FailureReason.INVALID_SPEC,
            "the resources folder "
                + spec.resources()
                + " must be readable by others (o+rx): the subtask runs as uid 1000");
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC, "the resources folder's permissions cannot be read: " + e, e);
    }
    return image;
  }

  /** Why a kept session container cannot be resumed, or null if it runs. */
  String whyNotResumable(String id) {
    try {
      return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning())
          ? null
          : "it has stopped";
    } catch (RuntimeException e) {
      return DockerEngine.firstLine(e.getMessage());
    }
  }

  /**
   * Creates the container; {@code sessionFolder} (null outside a session) is then mounted as the
   * resources.
   */
  String create(Program.DockerImage image, Path sessionFolder) throws ComputeException {
    long work = limits.workBytes();
    long outputSize = roundUpToPage(limits.maxOutputBytes()) + OUTPUT_SLACK;
    Map<String, String> tmpfs = new TreeMap<>();
    tmpfs.put(
        "/tmp",
        "rw,nosuid,nodev,noexec,size=" + work + ",nr_inodes=" + SCRATCH_INODES + ",mode=1777");
    tmpfs.put(
        ExecutionSpec.WORK,
        "rw,nosuid,nodev,exec,size="
            + work
            + ",nr_inodes="
            + SCRATCH_INODES
            + ",uid=1000,gid=1000,mode=0700");
    tmpfs.put(
        ExecutionSpec.OUTPUT,
        "rw,nosuid,nodev,noexec,size="
            + outputSize
            + ",nr_inodes="
            + (MAX_OUTPUT_ENTRIES + 16)
            + ",uid=1000,gid=1000,mode=0700");
    String resources;
    try {
      resources =
          (sessionFolder != null ? sessionFolder : spec.resources()).toRealPath().toString();
    } catch (IOException e) {
      throw new ComputeException(
          FailureReason.INVALID_SPEC, "resources folder cannot be resolved: " + e.getMessage(), e);
    }
    HostConfig host =
        HostConfig.newHostConfig()
            .withNetworkMode("none")
            .withReadonlyRootfs(true)
            .withTmpFs(tmpfs)
            .withMounts(
                List.of(
                    new Mount()
                        .withType(MountType.BIND)
                        .withSource(resources)
                        .withTarget(ExecutionSpec.RESOURCES)
                        .withReadOnly(true)))
            .withMemory(limits.memoryBytes())
            .withMemorySwap(limits.memoryBytes())
            .withNanoCPUs(limits.cpus() * 1_000_000_000L)
            .withPidsLimit((long) limits.maxProcesses() + KEEPER_PIDS)
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"))
            .withPrivileged(false)
            .withInit(true)
            .withIpcMode("private")
            .withShmSize(Math.min(MAX_SHM, work))
            .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE));
    Map<String, String> labels =
        Map.of(
            DockerEnvironment.LABEL_NODE, engine.config.nodeId(),
            DockerEnvironment.LABEL_INSTANCE, engine.instanceId,
            DockerEnvironment.LABEL_SUBTASK, spec.subtaskId());
    long keeperSeconds =
        (sessionFolder != null
                ? DockerSessions.LIFETIME.toSeconds()
                : Math.max(1, limits.timeout().toSeconds()))
            + KEEPER_MARGIN_SECONDS;
    try {
      return docker
          .createContainerCmd(image.imageId())
          .withName("jgolem-" + spec.subtaskId() + "-" + DockerEngine.randomHex(4))
          .withUser(KEEPER_USER)
          .withEntrypoint("sleep", Long.toString(keeperSeconds))
          .withWorkingDir("/")
          .withLabels(labels)
          .withHostConfig(host)
          .exec()
          .getId();
    } catch (NotFoundException e) {
      throw new ComputeException(
          FailureReason.IMAGE_MISSING,
          "image "
              + image.name()
              + " ("
              + image.imageId()
              + ") is not present on this node's Docker engine",
          e);
    } catch (RuntimeException e) {
      throw engine.engineError("creating the subtask's container", e);
    }
  }

  void start(String id) throws ComputeException {
    try {
      docker.startContainerCmd(id).exec();
    } catch (RuntimeException e) {
      cancelled.check();
      throw engine.engineError("starting the subtask's container", e);
    }
  }

  String createExec(String id, List<String> cmd, List<String> envVars) throws ComputeException {
    try {
      return docker
          .execCreateCmd(id)
          .withUser(SUBTASK_USER)
          .withWorkingDir(ExecutionSpec.WORK)
          .withEnv(envVars)
          .withCmd(cmd.toArray(String[]::new))
          .withAttachStdin(false)
          .withAttachStdout(true)
          .withAttachStderr(true)
          .withTty(false)
          .withPrivileged(false)
          .exec()
          .getId();
    } catch (RuntimeException e) {
      cancelled.check();
      throw engine.engineError("creating an exec in the subtask's container", e);
    }
  }

  void startExec(String execId, StreamCallback cb) throws ComputeException {
    try {
      docker.execStartCmd(execId).withDetach(false).withTty(false).exec(cb);
    } catch (RuntimeException e) {
      cancelled.check();
      throw engine.engineError("starting an exec in the subtask's container", e);
    }
  }

  /**
   * The exec's exit code once it has exited, or null if it still runs after {@code within}. Asked
   * quickly at first (the stream normally ends when the process does), slower after about two
   * seconds (a process that closed its stdout and stderr and goes on).
   */
  Long waitExit(String execId, Duration within) throws ComputeException, InterruptedException {
    AtomicLong waited = new AtomicLong();
    CompletableFuture<Long> exit =
        engine.poll(
            () -> {
              cancelled.check();
              InspectExecResponse r = docker.inspectExecCmd(execId).exec();
              return !Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null
                  ? r.getExitCodeLong()
                  : null;
            },
            d -> d == 0 ? 1 : Math.min(d * 2, waited.addAndGet(d) < 2_000 ? 50 : 500));
    try {
      return answer(exit, within, "inspecting an exec");
    } catch (TimeoutException stillRunning) {
      return null;
    }
  }

  /** Kills the container and asks the engine whether the kernel's OOM killer struck in it. */
  boolean oomKilled(String id) throws ComputeException, InterruptedException {
    kill(id);
    CompletableFuture<Boolean> oom =
        engine.poll(
            () -> {
              cancelled.check();
              InspectContainerResponse.ContainerState state =
                  docker.inspectContainerCmd(id).exec().getState();
              return Boolean.TRUE.equals(state.getRunning())
                  ? null
                  : Boolean.TRUE.equals(state.getOOMKilled());
            },
            d -> 5);
    try {
      return answer(oom, DockerRun.ENGINE_WAIT, "inspecting the subtask's container");
    } catch (TimeoutException e) {
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR,
          "the subtask's container did not stop within "
              + DockerRun.seconds(DockerRun.ENGINE_WAIT)
              + " of being killed");
    }
  }

  private <T> T answer(CompletableFuture<T> f, Duration within, String doing)
      throws ComputeException, InterruptedException, TimeoutException {
    try {
      return f.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ComputeException ce) throw ce;
      if (e.getCause() instanceof RuntimeException re) {
        cancelled.check();
        throw engine.engineError(doing, re);
      }
      throw new ComputeException(
          FailureReason.ENVIRONMENT_ERROR, doing + " failed: " + e.getCause(), e.getCause());
    } finally {
      f.cancel(false);
    }
  }

  void kill(String id) {
    try {
      docker.killContainerCmd(id).exec();
    } catch (NotFoundException | ConflictException notRunning) {
      // already stopped or removed
    } catch (RuntimeException e) {
      log.debug("subtask {}: killing container {}: {}", spec.subtaskId(), id, e.toString());
    }
  }

  /**
   * Force-removes the container; tried three times, 100 and 200 ms apart (409 "removal already in
   * progress", a hiccup), within {@link #REMOVE_WAIT}.
   */
  void remove(String id) throws InterruptedException {
    AtomicInteger attempts = new AtomicInteger();
    AtomicReference<RuntimeException> last = new AtomicReference<>();
    CompletableFuture<Boolean> removed =
        engine.poll(
            () -> {
              try {
                docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
                return true;
              } catch (NotFoundException gone) {
                return true;
              } catch (RuntimeException e) {
                last.set(e);
                if (attempts.incrementAndGet() >= 3) throw e;
                return null;
              }
            },
            d -> d == 0 ? 100 : d * 2);
    try {
      removed.get(REMOVE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re
          ? re
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "removing container " + id + " took longer than " + DockerRun.seconds(REMOVE_WAIT), e);
    } finally {
      removed.cancel(false);
    }
  }

  private static long roundUpToPage(long n) {
    return (n + 4095) / 4096 * 4096;
  }
}
