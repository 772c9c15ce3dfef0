package org.jgolem.node.market.provider;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import org.jgolem.eth.Address;
import org.jgolem.node.compute.Execution;
import org.jgolem.node.compute.MemoryFolder;
import org.jgolem.node.compute.OutputFiles;
import org.jgolem.node.compute.TaskComputer;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.gossip.TaskHeaderListener;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.AgentLoop;
import org.jgolem.node.market.IncomeRecorder;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.Payload;
import org.jgolem.protocol.messages.market.CannotComputeTask;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.SubtaskResultsAccepted;
import org.jgolem.protocol.messages.market.SubtaskResultsRejected;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.jgolem.protocol.notes.NoteSigner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's side of the market: offers to compute announced tasks it can run (environment,
 * price, the requestor's reputation, free capacity), checks every TaskToCompute (signed by the
 * requestor who announced the task, notes that pay at least the price, a deadline it can meet),
 * fetches the resources, computes in the sandbox, publishes the result and reports it until the
 * requestor acknowledges, and records accepted work as an expected income.
 *
 * <p>Like the requestor, all state is on one loop thread; fetching and computing run on workers
 * ({@link SubtaskRunner}), and {@link ProviderOffers} decides which tasks to offer for.
 *
 * <p>It is still over 400 lines: the life of a job (taken on, computed, reported and reported
 * again, settled, lost in a restart and told so) is kept in one place, with the job store it writes
 * at each step; splitting that further would spread one state machine over several classes that
 * share its map of jobs.
 */
public final class ProviderAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderAgent.class);

  private final P2PNetwork network;
  private final TaskHeaderGossip gossip;
  private final NoteSigner notes;
  private final MarketConfig config;
  private final TaskComputer computer;
  private final ResourceExchange resources;
  private final IncomeRecorder incomes;
  private final Reputation reputation;
  private final Path dataDir;
  private final Clock clock;
  private final int slots;
  private final int cpuCores;
  private final long memoryMib;
  private final AgentLoop loop;
  private final ExecutorService workers;

  /** Fetches, computes and reports a job on the workers. */
  private final SubtaskRunner runner;

  /**
   * The timers and waits ({@link MarketConfig#timings}): ticks, report retries, offer expiry,
   * asking again.
   */
  private final MarketConfig.Timings timings;

  /** The tasks this node may offer for, and its offers in flight. */
  private final ProviderOffers offers;

  private final Map<String, Job> jobs = new LinkedHashMap<>();

  /** Where jobs are kept across restarts; null keeps them in memory only (tests, benchmarks). */
  private final ProviderStore store;

  /**
   * Jobs lost in a restart, still to be reported as not computed. CannotComputeTask has no answer,
   * and right after a start the session to the requestor may not be up yet (or be replaced by the
   * one discovery opens): so the notice is sent {@value #LOST_NOTICES} times, 2 s apart, once a
   * session is up (the requestor ignores repeats).
   */
  private final List<LostJob> lost = new java.util.ArrayList<>();

  private static final int LOST_NOTICES = 5;

  /**
   * A job lost in a restart: how many notices are left, and when the last notice or dial was made.
   */
  private static final class LostJob {
    final Job job;
    int noticesLeft = LOST_NOTICES;
    long lastAttempt;

    LostJob(Job job) {
      this.job = job;
    }
  }

  /** One subtask this provider took on: the loop's own (readers get {@link JobSnapshot}s). */
  static final class Job {
    final TaskToCompute ttc;
    final TaskHeader header;
    volatile String state = "FETCHING";
    ReportComputedTask report;
    long lastReportSent;
    Execution execution;
    Path dir;

    /**
     * The job's folders when they are in memory (a WASM subtask with small inputs), else null: they
     * are in dir.
     */
    volatile MemoryFolder memory;

    Job(TaskToCompute ttc, TaskHeader header) {
      this.ttc = ttc;
      this.header = header;
    }

    String idHex() {
      return HexFormat.of().formatHex(ttc.subtaskId());
    }

    /**
     * As readers see it: the runner marks a job COMPUTING just before it asks for the sandbox, the
     * loop saves it so once the sandbox has started ({@code execution} set); until then it is still
     * FETCHING.
     */
    JobSnapshot snapshot() {
      return JobSnapshot.of(
          this, "COMPUTING".equals(state) && execution == null ? "FETCHING" : state);
    }
  }

  public ProviderAgent(
      P2PNetwork network,
      TaskHeaderGossip gossip,
      MarketConfig config,
      TaskComputer computer,
      ResourceExchange resources,
      IncomeRecorder incomes,
      Reputation reputation,
      Path dataDir,
      Clock clock,
      int slots,
      int cpuCores,
      long memoryMib) {
    this(
        network,
        gossip,
        config,
        computer,
        resources,
        incomes,
        reputation,
        dataDir,
        clock,
        slots,
        cpuCores,
        memoryMib,
        null);
  }

  /**
   * A provider whose jobs are kept in {@code store}: jobs a previous run left are taken up first. A
   * reported result is reported again until the requestor's verdict comes (its files stay pinned in
   * the resource store); a subtask that was being fetched or computed when the node stopped is
   * lost, and the requestor is told so at once (CannotComputeTask), so that it can give the subtask
   * to another provider without waiting for the deadline.
   */
  public ProviderAgent(
      P2PNetwork network,
      TaskHeaderGossip gossip,
      MarketConfig config,
      TaskComputer computer,
      ResourceExchange resources,
      IncomeRecorder incomes,
      Reputation reputation,
      Path dataDir,
      Clock clock,
      int slots,
      int cpuCores,
      long memoryMib,
      ProviderStore store) {
    this(
        network,
        gossip,
        config,
        computer,
        resources,
        incomes,
        reputation,
        dataDir,
        clock,
        slots,
        cpuCores,
        memoryMib,
        store,
        AgentExecutors.provider());
  }

  /**
   * @param clock what every deadline, retry and expiry is measured on
   * @param executors the loop's executor and the worker pool: the agent's own from now on (closed
   *     with it)
   */
  public ProviderAgent(
      P2PNetwork network,
      TaskHeaderGossip gossip,
      MarketConfig config,
      TaskComputer computer,
      ResourceExchange resources,
      IncomeRecorder incomes,
      Reputation reputation,
      Path dataDir,
      Clock clock,
      int slots,
      int cpuCores,
      long memoryMib,
      ProviderStore store,
      AgentExecutors executors) {
    this.store = store;
    this.timings = config.timings();
    this.network = network;
    this.gossip = gossip;
    this.notes = new NoteSigner(config.chainId(), config.depositContract());
    this.config = config;
    this.computer = computer;
    this.resources = resources;
    this.incomes = incomes;
    this.reputation = reputation;
    this.dataDir = dataDir;
    this.clock = clock;
    this.slots = slots;
    this.cpuCores = cpuCores;
    this.memoryMib = memoryMib;
    this.loop = new AgentLoop("provider-loop", LOG, () -> {}, executors.loop());
    this.workers = executors.workers();
    this.offers =
        new ProviderOffers(
            network,
            computer,
            reputation,
            config,
            clock,
            slots,
            cpuCores,
            memoryMib,
            () -> jobs.values().stream().filter(j -> j.report == null).count(),
            this::onLoop);
    this.runner =
        new SubtaskRunner(
            computer,
            resources,
            clock,
            new SubtaskRunner.Outcomes() {
              @Override
              public void started(Job job, Execution x) {
                onLoop(() -> {
                  job.execution = x;
                  persist(job);
                });
              }

              @Override
              public void reported(Job job, ReportComputedTask report) {
                onLoop(() -> {
                  job.report = report;
                  job.state = "REPORTED";
                  persist(job);
                  sendReport(job);
                  offers.offer();
                });
              }

              @Override
              public void failed(Job job, CannotComputeTask.Reason reason, String detail) {
                fail(job, reason, detail);
              }
            });
    network.subscribe(
        MessageType.TASK_TO_COMPUTE, (peer, env) -> onLoop(() -> onTaskToCompute(peer, env)));
    network.subscribe(
        MessageType.CANNOT_ASSIGN_TASK, (peer, env) -> onLoop(() -> offers.nothingMore(env)));
    network.subscribe(
        MessageType.SUBTASK_RESULTS_ACCEPTED, (peer, env) -> onLoop(() -> onAccepted(env)));
    network.subscribe(
        MessageType.SUBTASK_RESULTS_REJECTED, (peer, env) -> onLoop(() -> onRejected(env)));
    network.subscribe(
        MessageType.ACK_REPORT_COMPUTED_TASK, (peer, env) -> onLoop(() -> onAck(env)));
    gossip.addListener(
        new TaskHeaderListener() {
          @Override
          public void headerAdded(TaskHeader header) {
            onLoop(() -> offers.consider(header));
          }

          @Override
          public void headerRemoved(TaskHeader header, RemovalReason reason) {
            onLoop(() -> forget(header));
          }
        });
    loop.every(timings.providerTick(), "tick", this::tick);
    onLoop(this::resume);
    onLoop(() -> gossip.knownHeaders().forEach(offers::consider));
  }

  private void resume() {
    if (store == null) return;
    for (ProviderStore.JobRow row : store.jobs()) {
      Job job = new Job(row.ttc(), row.header());
      job.dir = dataDir.resolve("jobs").resolve(job.idHex());
      if (row.report() != null) {
        job.report = row.report();
        job.state = "REPORTED";
        jobs.put(job.idHex(), job);
        LOG.info(
            "Subtask {}: reported before the restart; reporting again until the requestor decides",
            job.idHex());
      } else {
        LOG.info(
            "Subtask {}: was {} when the node stopped; telling the requestor it is not computed",
            job.idHex(),
            row.state());
        job.state = row.state();
        lost.add(new LostJob(job));
        cleanup(job);
      }
    }
  }

  /**
   * Keeps the job's state across a restart (a failed write is logged: the job goes on in memory).
   */
  private void persist(Job job) {
    if (store == null) return;
    try {
      store.save(job.header, job.ttc, job.state, job.report);
    } catch (RuntimeException e) {
      LOG.error("Could not save subtask {}: {}", job.idHex(), e.toString());
    }
  }

  private void settled(Job job) {
    if (store == null) return;
    try {
      store.delete(job.ttc.subtaskId());
    } catch (RuntimeException e) {
      LOG.error("Could not forget subtask {}: {}", job.idHex(), e.toString());
    }
  }

  /** The least this provider offers to work for, in wei per hour. */
  public BigInteger minPricePerHour() {
    return offers.minPrice();
  }

  /** Changes the minimum price; offers made from now on use it. */
  public void setMinPricePerHour(BigInteger weiPerHour) {
    if (weiPerHour.signum() < 0) throw new IllegalArgumentException("price must not be negative");
    offers.minPrice(weiPerHour);
  }

  /**
   * Subtasks taken on and not yet settled, oldest first: those being computed or reported, then
   * those lost in a restart that the requestor is still being told about (state {@code LOST}). The
   * same jobs as its store holds.
   */
  public List<JobSnapshot> jobs() {
    return call(() -> {
      List<JobSnapshot> out = new java.util.ArrayList<>();
      jobs.values().forEach(j -> out.add(j.snapshot()));
      lost.forEach(l -> out.add(JobSnapshot.of(l.job, JobSnapshot.LOST)));
      return List.copyOf(out);
    });
  }

  /** A task withdrawn: no more offers for it, and its subtasks being computed are cancelled. */
  private void forget(TaskHeader h) {
    String id = HexFormat.of().formatHex(h.taskId());
    offers.forget(id);
    for (Job j : jobs.values()) {
      if (HexFormat.of().formatHex(j.ttc.taskId()).equals(id)
          && j.execution != null
          && "COMPUTING".equals(j.state)) {
        LOG.info("Task {} withdrawn: cancelling subtask {}", id, j.idHex());
        j.execution.cancel();
      }
    }
  }

  // ------------------------------------------------------------------ computing

  private void onTaskToCompute(Peer peer, Envelope env) {
    TaskToCompute ttc = (TaskToCompute) env.payload();
    String taskId = HexFormat.of().formatHex(ttc.taskId());
    TaskHeader h = offers.candidate(taskId);
    Job held = jobs.get(HexFormat.of().formatHex(ttc.subtaskId()));
    if (held != null && env.sender().equals(held.ttc.requestor()) && held.ttc.equals(ttc)) {
      // the same assignment again (a requestor restarted after a crash sends what it may not have
      // sent)
      LOG.debug("Subtask {}: TaskToCompute received again; already {}", held.idHex(), held.state);
      if (held.report != null) sendReport(held);
      return;
    }
    offers.answered(taskId);
    String refusal = refusal(env, ttc, h);
    if (refusal != null) {
      LOG.warn("TaskToCompute from {} for task {} refused: {}", env.sender(), taskId, refusal);
      peer.send(
          new CannotComputeTask(
              ttc.taskId(), ttc.subtaskId(), CannotComputeTask.Reason.OTHER, refusal));
      offers.offer();
      return;
    }
    Job job = new Job(ttc, h);
    jobs.put(job.idHex(), job);
    job.dir = dataDir.resolve("jobs").resolve(job.idHex());
    persist(job);
    List<URI> sources =
        peer.capability("gateway")
            .map(p -> URI.create("http://" + peer.record().host() + ":" + p))
            .map(List::of)
            .orElse(List.of());
    workers.submit(() -> runner.run(job, sources));
    offers.offer();
  }

  /** Why a TaskToCompute cannot be taken, or null if it can. */
  private String refusal(Envelope env, TaskToCompute ttc, TaskHeader h) {
    if (h == null)
      return "no announced task " + HexFormat.of().formatHex(ttc.taskId()) + " is known here";
    if (!env.sender().equals(h.requestor()) || !ttc.requestor().equals(h.requestor())) {
      return "not sent by the task's requestor " + h.requestor();
    }
    if (!ttc.provider().equals(network.self().nodeId())) return "addressed to another provider";
    if (!ttc.notesSignedByRequestor(notes)) return "promissory notes not signed by the requestor";
    if (jobs.containsKey(HexFormat.of().formatHex(ttc.subtaskId()))) return "subtask already taken";
    var d = ttc.definition();
    if (!d.environment().equals(h.environment()) || !d.image().equals(h.image())) {
      return "definition's environment differs from the announced one";
    }
    BigInteger least = RequestorAgent.subtaskPrice(offers.minPrice(), d.limits().timeoutSeconds());
    if (ttc.price().compareTo(least) < 0)
      return "price " + ttc.price() + " below this provider's " + least;
    if (ttc.deadline() < clock.millis() + Math.min(5_000, d.limits().timeoutSeconds() * 1000))
      return "deadline too close";
    if (jobs.values().stream().filter(j -> j.report == null).count() >= slots)
      return "no free capacity";
    if (d.limits().cpuCores() > cpuCores || d.limits().memoryMib() > memoryMib)
      return "limits beyond this provider";
    return null;
  }

  private void fail(Job job, CannotComputeTask.Reason reason, String detail) {
    String d = detail == null ? "" : detail.length() > 200 ? detail.substring(0, 200) : detail;
    onLoop(() -> {
      job.state = "FAILED";
      jobs.remove(job.idHex());
      settled(job);
      LOG.info("Subtask {} failed: {} {}", job.idHex(), reason, d);
      send(job.header, new CannotComputeTask(job.ttc.taskId(), job.ttc.subtaskId(), reason, d));
      cleanup(job);
      offers.offer();
    });
  }

  private void sendReport(Job job) {
    job.lastReportSent = clock.millis();
    send(job.header, job.report);
  }

  private void onAck(Envelope env) {
    var ack = (org.jgolem.protocol.messages.market.AckReportComputedTask) env.payload();
    Job job = jobs.get(HexFormat.of().formatHex(ack.subtaskId()));
    if (job != null && job.report != null && env.sender().equals(job.ttc.requestor()))
      job.state = "ACKNOWLEDGED";
  }

  private void onAccepted(Envelope env) {
    SubtaskResultsAccepted a = (SubtaskResultsAccepted) env.payload();
    Job job = jobs.get(HexFormat.of().formatHex(a.subtaskId()));
    if (job == null
        || job.report == null
        || !env.sender().equals(job.ttc.requestor())
        || !a.answers(job.report)) return;
    if (a.price().compareTo(job.ttc.price()) != 0) {
      LOG.warn(
          "Subtask {} accepted at {} instead of the agreed {}: the agreed price is expected",
          job.idHex(),
          a.price(),
          job.ttc.price());
    }
    incomes.incomeExpected(
        job.ttc.requestor(),
        job.ttc.taskId(),
        job.ttc.subtaskId(),
        job.ttc.price(),
        a.paymentTs() * 1000);
    jobs.remove(job.idHex());
    settled(job);
    job.state = "ACCEPTED";
    cleanup(job);
    offers.offer();
  }

  private void onRejected(Envelope env) {
    SubtaskResultsRejected r = (SubtaskResultsRejected) env.payload();
    Job job = jobs.get(HexFormat.of().formatHex(r.subtaskId()));
    if (job == null
        || job.report == null
        || !env.sender().equals(job.ttc.requestor())
        || !r.answers(job.report)) return;
    reputation.record(
        Reputation.Role.REQUESTOR, job.ttc.requestor(), Reputation.Event.RESULT_REJECTED);
    LOG.info("Subtask {} rejected: {} {}", job.idHex(), r.reason(), r.detail());
    jobs.remove(job.idHex());
    settled(job);
    job.state = "REJECTED";
    cleanup(job);
    offers.offer();
  }

  private void cleanup(Job job) {
    resources.release("results-" + job.idHex());
    SubtaskRunner.freeMemory(job);
    workers.submit(() -> {
      try {
        OutputFiles.deleteTree(job.dir);
      } catch (IOException e) {
        LOG.debug("Could not remove {}: {}", job.dir, e.toString());
      }
    });
  }

  private void noticeLost() {
    long now = clock.millis();
    for (var it = lost.iterator(); it.hasNext(); ) {
      LostJob l = it.next();
      if (now > l.job.ttc.deadline()) {
        // past its deadline the requestor has given up on it anyway
        it.remove();
        settled(l.job);
        continue;
      }
      if (l.noticesLeft < LOST_NOTICES && now - l.lastAttempt < timings.reportRetry().toMillis())
        continue;
      Optional<Peer> peer = network.peer(l.job.ttc.requestor());
      if (peer.isEmpty() || !peer.get().isActive()) {
        if (now - l.lastAttempt >= timings.reportRetry().toMillis()) {
          l.lastAttempt = now;
          offers.peerOf(l.job.header); // dial the requestor, in case no session comes up by itself
        }
        continue;
      }
      l.lastAttempt = now;
      peer.get()
          .send(
              new CannotComputeTask(
                  l.job.ttc.taskId(),
                  l.job.ttc.subtaskId(),
                  CannotComputeTask.Reason.OTHER,
                  "the provider restarted while the subtask was "
                      + l.job.state.toLowerCase(java.util.Locale.ROOT)));
      if (--l.noticesLeft == 0) {
        it.remove();
        settled(l.job);
      }
    }
  }

  private void tick() {
    noticeLost();
    long now = clock.millis();
    for (Job j : List.copyOf(jobs.values())) {
      if (j.report != null
          && !"ACKNOWLEDGED".equals(j.state)
          && now - j.lastReportSent > timings.reportRetry().toMillis()) {
        sendReport(j);
      }
      if (j.report != null && now > j.ttc.deadline() + Duration.ofHours(1).toMillis()) {
        LOG.info("Subtask {}: no verdict an hour after its deadline; giving up on it", j.idHex());
        jobs.remove(j.idHex());
        settled(j);
        cleanup(j);
      }
    }
    offers.offer();
  }

  private void send(TaskHeader h, Payload p) {
    offers
        .peerOf(h)
        .whenComplete((peer, e) -> {
          if (e != null)
            LOG.debug("Requestor {} unreachable for {}: {}", h.requestor(), p.type(), e.toString());
          else peer.send(p);
        });
  }

  // ------------------------------------------------------------------ plumbing

  private void onLoop(Runnable r) {
    loop.execute(r);
  }

  private <T> T call(Callable<T> c) {
    return loop.call(c);
  }

  @Override
  public void close() {
    loop.close();
    workers.shutdownNow();
  }

  /** Exposed for tests: which requestors this provider deals with. */
  public Address self() {
    return network.self().nodeId();
  }
}
