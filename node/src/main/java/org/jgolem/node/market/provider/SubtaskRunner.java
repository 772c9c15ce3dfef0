package org.jgolem.node.market.provider;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.jgolem.compute.Execution;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.FailureReason;
import org.jgolem.compute.MemoryFolder;
import org.jgolem.compute.Programs;
import org.jgolem.compute.TaskComputer;
import org.jgolem.ipfs.FileTrees;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.tasks.FileResults;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's work on one subtask, off its loop: fetches the inputs (a WASM subtask's small inputs
 * into memory), runs the program in its sandbox, publishes the result and makes the report. Each
 * outcome goes to {@link Outcomes}, which the agent turns into events on its loop.
 */
final class SubtaskRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SubtaskRunner.class);

  /**
   * A WASM subtask whose inputs hold at most this many bytes has its folders in memory (see {@link
   * MemoryFolder}).
   */
  static final long MEMORY_JOB_BYTES = 64L << 20;

  private static final long MEMORY_JOB_SLACK = 1L << 20;

  /** Where a job's outcomes go; called on the worker thread. */
  interface Outcomes {
    void started(ProviderJob job, Execution execution);

    void reported(ProviderJob job, ReportComputedTask report);

    void failed(ProviderJob job, CannotComputeTask.Reason reason, String detail);
  }

  private final TaskComputer computer;
  private final ResourceExchange resources;
  private final Clock clock;
  private final Outcomes outcomes;

  SubtaskRunner(TaskComputer computer, ResourceExchange resources, Clock clock, Outcomes outcomes) {
    this.computer = computer;
    this.resources = resources;
    this.clock = clock;
    this.outcomes = outcomes;
  }

  /**
   * The sandbox session of a subtask: its requestor and task, so that the subtasks of one task that
   * this provider computes may share a sandbox kept between them (a Blender render server with the
   * scene loaded), and never those of another task or requestor.
   */
  static String sessionKey(TaskToCompute ttc) {
    byte[] in = new byte[20 + ttc.taskId().length];
    ttc.requestor().copyTo(in, 0);
    System.arraycopy(ttc.taskId(), 0, in, 20, ttc.taskId().length);
    byte[] digest = org.jgolem.protocol.messages.Eip712.keccak(in);
    return "task-" + HexFormat.of().formatHex(digest, 0, 16);
  }

  /**
   * Runs {@code job} (on a worker thread): fetch, compute, publish, report; or says why it failed.
   */
  void run(ProviderJob job, List<URI> sources) {
    var d = job.ttc.definition();
    try {
      Duration fetchBudget = Duration.ofMillis(Math.max(1000, job.ttc.deadline() - clock.millis()));
      // a WASM sandbox runs in this process and reads its folders through Java: small inputs, the
      // work and the
      // output then stay in memory (the result goes from there into the store)
      long inputBytes =
          d.environment().equals("wasm")
              ? resources.prefetch(d.resourcesCid(), sources, Long.MAX_VALUE, fetchBudget)
              : -1;
      Path base = null;
      if (inputBytes >= 0 && inputBytes <= MEMORY_JOB_BYTES) {
        // room for the inputs (files take whole blocks: twice their size), the output and the
        // folders
        job.memory =
            MemoryFolder.create(2 * inputBytes + d.limits().maxOutputBytes() + MEMORY_JOB_SLACK)
                .orElse(null);
      }
      if (job.memory != null) {
        try {
          // scratch: a restarted provider reports the subtask lost rather than computing it from
          // these files
          resources.fetchScratch(
              d.resourcesCid(),
              job.memory.root().resolve("resources"),
              sources,
              Long.MAX_VALUE,
              fetchBudget);
          base = job.memory.root();
        } catch (IOException e) {
          // many small files can outgrow the room above: the blocks are here now, so the disk costs
          // no transfer
          LOG.debug(
              "Subtask {}: inputs do not fit in memory ({}); on disk instead",
              job.idHex(),
              e.toString());
          freeMemory(job);
        }
      }
      if (base == null) {
        FileTrees.delete(job.dir);
        base = Files.createDirectories(job.dir);
        resources.fetchScratch(
            d.resourcesCid(), base.resolve("resources"), sources, Long.MAX_VALUE, fetchBudget);
      }
      Path res = base.resolve("resources");
      Path work = Files.createDirectory(base.resolve("work"));
      Path out = Files.createDirectory(base.resolve("output"));
      job.state = "COMPUTING";
      Execution x =
          Programs.execute(
              computer,
              Programs.runId(job.ttc.subtaskId()), // the id Concent re-computes under, too
              d,
              res,
              work,
              out,
              sessionKey(job.ttc));
      outcomes.started(job, x);
      ExecutionResult r = x.result().get();
      if (!r.succeeded()) {
        outcomes.failed(job, reasonFor(r.reason()), r.failure().get().message());
        return;
      }
      String cid = resources.publish(out, "results-" + job.idHex());
      byte[] digest = FileResults.digest(out);
      freeMemory(job); // the result is in the store now
      long size = r.outputs().stream().mapToLong(ExecutionResult.OutputFile::size).sum();
      ReportComputedTask report =
          ReportComputedTask.answering(job.ttc, cid, digest, size, r.wallTime().toMillis());
      outcomes.reported(job, report);
    } catch (IOException | RuntimeException e) {
      outcomes.failed(job, CannotComputeTask.Reason.RESOURCES_UNAVAILABLE, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      outcomes.failed(job, CannotComputeTask.Reason.OTHER, String.valueOf(e.getCause()));
    }
  }

  private static CannotComputeTask.Reason reasonFor(FailureReason r) {
    return switch (r) {
      case IMAGE_MISSING, IMAGE_NOT_ALLOWED, ENGINE_UNAVAILABLE ->
          CannotComputeTask.Reason.WRONG_ENVIRONMENT;
      default -> CannotComputeTask.Reason.OTHER;
    };
  }

  /** Frees the job's folders in memory, if it has them. */
  static void freeMemory(ProviderJob job) {
    MemoryFolder m = job.memory;
    if (m != null) {
      job.memory = null;
      m.close();
    }
  }
}
