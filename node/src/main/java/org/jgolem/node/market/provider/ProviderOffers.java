package org.jgolem.node.market.provider;

import java.math.BigInteger;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jgolem.compute.TaskComputer;
import org.jgolem.node.concent.ConcentMode;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.DepositChecks;
import org.jgolem.node.concent.DepositRule;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.Pricing;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.p2p.Peer;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.market.CannotAssignTask;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.jgolem.protocol.messages.market.WantToComputeTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which announced tasks a provider offers for, and its offers in flight: at most one per task,
 * while it has free slots; an unanswered offer expires, and a task whose requestor has nothing more
 * is asked again later. Runs on the agent's loop (completions of sends are queued back onto it).
 */
final class ProviderOffers {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderOffers.class);

  private final P2PNetwork network;
  private final TaskComputer computer;
  private final Reputation reputation;
  private final MarketConfig config;
  private final MarketConfig.Timings timings;
  private final Clock clock;
  private final int slots;
  private final int cpuCores;
  private final long memoryMib;

  /** How many jobs hold a slot (taken on and not yet reported). */
  private final LongSupplier jobsHeld;

  private final Consumer<Runnable> loop;
  private final ConcentPolicy concent;

  /** The requestors' deposits, read and judged; null on a node without a chain. */
  private final DepositChecks deposits;

  /** Why each task's requestor's deposit was last refused, so that a refusal is logged once. */
  private final Map<String, String> refusedDeposits = new HashMap<>();

  private volatile BigInteger minPrice;

  /** Tasks this node may offer for, by wire task id. */
  private final Map<String, TaskHeader> candidates = new HashMap<>();

  /**
   * Tasks with an offer in flight (at most one per task), with when it was sent; unanswered ones
   * expire.
   */
  private final Map<String, Long> offering = new HashMap<>();

  /**
   * Tasks whose requestor said there is nothing more for us, with when to ask again: a subtask
   * whose results disagree, or whose provider failed, needs another provider later.
   */
  private final Map<String, Long> exhausted = new HashMap<>();

  ProviderOffers(
      P2PNetwork network,
      TaskComputer computer,
      Reputation reputation,
      MarketConfig config,
      Clock clock,
      int slots,
      int cpuCores,
      long memoryMib,
      LongSupplier jobsHeld,
      Consumer<Runnable> loop,
      ConcentPolicy concent,
      DepositChecks deposits) {
    this.network = network;
    this.computer = computer;
    this.reputation = reputation;
    this.config = config;
    this.timings = config.timings();
    this.clock = clock;
    this.slots = slots;
    this.cpuCores = cpuCores;
    this.memoryMib = memoryMib;
    this.jobsHeld = jobsHeld;
    this.loop = loop;
    this.concent = concent;
    this.deposits = deposits;
    this.minPrice = config.minPricePerHour();
  }

  BigInteger minPrice() {
    return minPrice;
  }

  void minPrice(BigInteger weiPerHour) {
    this.minPrice = weiPerHour;
  }

  /** The candidate task of this wire id, or null. */
  TaskHeader candidate(String taskId) {
    return candidates.get(taskId);
  }

  /**
   * The requestor answered the offer for this task (an assignment): it holds no slot as an offer
   * any more.
   */
  void answered(String taskId) {
    offering.remove(taskId);
  }

  private boolean supports(TaskHeader h) {
    String needed = h.environment().equals("docker") ? "docker:" + h.image() : h.environment();
    return computer.advertisedEnvironments().contains(needed);
  }

  /** A task announced: a candidate if this provider can and may compute it (then it offers). */
  void consider(TaskHeader h) {
    String id = HexFormat.of().formatHex(h.taskId());
    if (h.requestor().equals(network.self().nodeId())) return;
    if (!supports(h)) {
      LOG.debug("Task {}: environment {} {} not offered here", id, h.environment(), h.image());
      return;
    }
    if (h.maxPricePerHour().compareTo(minPrice) < 0) {
      LOG.debug("Task {}: pays {} wei/h, below this provider's minimum", id, h.maxPricePerHour());
      return;
    }
    if (reputation.score(Reputation.Role.REQUESTOR, h.requestor()) < config.minReputation()) {
      LOG.info("Task {}: requestor {} ranked too low", id, h.requestor());
      return;
    }
    if (h.minCpuCores() > cpuCores || h.minMemoryMib() > memoryMib) return;
    candidates.put(id, h);
    offer();
  }

  /** A task withdrawn: no more offers for it. */
  void forget(String taskId) {
    candidates.remove(taskId);
    refusedDeposits.remove(taskId);
    exhausted.remove(taskId);
  }

  private long busy() {
    return jobsHeld.getAsLong() + offering.size();
  }

  /** Sends offers for candidate tasks while there is free capacity. */
  void offer() {
    // an offer nobody answered (its requestor died after reading it, or the answer was lost) stops
    // holding
    // a slot once it expires: otherwise a provider with one slot would never offer again
    long now = clock.millis();
    offering.values().removeIf(sent -> now - sent >= timings.offerTimeout().toMillis());
    for (TaskHeader h : List.copyOf(candidates.values())) {
      if (busy() >= slots) return;
      String id = HexFormat.of().formatHex(h.taskId());
      if (offering.containsKey(id)) continue;
      if (exhausted.getOrDefault(id, 0L) > clock.millis()) continue;
      if (h.deadline() <= clock.millis()) {
        candidates.remove(id);
        refusedDeposits.remove(id);
        continue;
      }
      if (!mayOfferUnderConcent(id, h)) continue;
      offering.put(id, clock.millis());
      WantToComputeTask want =
          new WantToComputeTask(
              h.taskId(),
              network.self().nodeId(),
              minPrice,
              config.performance(),
              cpuCores,
              memoryMib,
              network.self(),
              computer.advertisedEnvironments());
      peerOf(h)
          .whenComplete((peer, e) -> {
            if (e != null) {
              loop.accept(() -> {
                offering.remove(id);
                // ask again later, not on the next tick (5 dials a second while a requestor
                // restarts)
                exhausted.put(id, clock.millis() + timings.askAgain().toMillis());
                LOG.info("Task {}: requestor unreachable: {}", id, e.toString());
              });
            } else {
              peer.send(want)
                  .whenComplete((v, e2) -> {
                    if (e2 != null) {
                      loop.accept(() -> {
                        offering.remove(id);
                        exhausted.put(id, clock.millis() + timings.askAgain().toMillis());
                      });
                      LOG.info("Task {}: offer not sent: {}", id, e2.toString());
                    }
                  });
            }
          });
    }
  }

  /**
   * Whether this provider's Concent setting lets it offer for the task: a provider with Concent
   * required takes only tasks announced with Concent; one with Concent on (optional or required)
   * offers for a task with Concent only once the requestor's deposit, read from the chain, backs it
   * ({@link DepositRule}: at least twice the task's maximum cost as its header gives it, {@link
   * Pricing#maxTaskCost}, and not being withdrawn). While the deposit is being read, no offer; the
   * reading calls {@link #offer} again.
   */
  private boolean mayOfferUnderConcent(String id, TaskHeader h) {
    ConcentMode mode = concent.mode();
    if (!mode.takes(h.concentEnabled())) {
      if (refusedDeposits.put(id, "no Concent") == null) {
        LOG.debug("Task {}: announced without Concent, and this provider requires it", id);
      }
      return false;
    }
    if (!mode.checksDeposit(h.concentEnabled())) return true;
    if (deposits == null) return false; // ConcentPolicy allows no such mode without a chain
    Optional<DepositChecks.Verdict> v =
        deposits.verdict(h.requestor(), Pricing.maxTaskCost(h), this::offer);
    if (v.isEmpty()) return false;
    if (v.get().ok()) {
      refusedDeposits.remove(id);
      return true;
    }
    String why = v.get().reason();
    if (!why.equals(refusedDeposits.put(id, why))) {
      LOG.info("Task {}: no offer, its requestor's deposit does not back it: {}", id, why);
    }
    return false;
  }

  /** The session with the task's requestor: the one there is, or a new one. */
  CompletableFuture<Peer> peerOf(TaskHeader h) {
    Optional<Peer> p = network.peer(h.requestor());
    if (p.isPresent() && p.get().isActive()) return CompletableFuture.completedFuture(p.get());
    return network.connect(
        h.requestorEndpoint().host(), h.requestorEndpoint().port(), h.requestor());
  }

  /** The requestor has nothing for us (CannotAssignTask): ask again later. */
  void nothingMore(Envelope env) {
    CannotAssignTask c = (CannotAssignTask) env.payload();
    String id = HexFormat.of().formatHex(c.taskId());
    TaskHeader h = candidates.get(id);
    if (h == null || !h.requestor().equals(env.sender())) return;
    offering.remove(id);
    exhausted.put(id, clock.millis() + timings.askAgain().toMillis());
    LOG.debug("Task {}: requestor has nothing for us ({})", id, c.reason());
    offer();
  }
}
