package org.jgolem.node.market.provider;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.compute.TaskComputer;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.DepositChecks;
import org.jgolem.node.concent.ProviderConcent;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.IncomeRecorder;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.reputation.Reputation;

/**
 * The parts of a {@link ProviderAgent}, named: {@link ProviderAgent#builder()}, the required parts,
 * then {@link #build()}, which says every part that is missing. The optional ones: a {@link #store}
 * (without one, jobs live in memory only), the {@link #executors} (by default threads of the
 * agent's own), and {@link #concent} (by default off: nothing of Concent runs).
 */
public final class ProviderAgentBuilder {
  P2PNetwork network;
  TaskHeaderGossip gossip;
  MarketConfig config;
  TaskComputer computer;
  ResourceExchange resources;
  IncomeRecorder incomes;
  Reputation reputation;
  Path dataDir;
  Clock clock;
  int slots;
  int cpuCores;
  long memoryMib;
  ProviderStore store;
  AgentExecutors executors;
  ConcentPolicy policy = ConcentPolicy.off();
  ProviderConcent concent;

  ProviderAgentBuilder() {}

  public ProviderAgentBuilder network(P2PNetwork network) {
    this.network = network;
    return this;
  }

  public ProviderAgentBuilder gossip(TaskHeaderGossip gossip) {
    this.gossip = gossip;
    return this;
  }

  public ProviderAgentBuilder config(MarketConfig config) {
    this.config = config;
    return this;
  }

  /** The sandboxes subtasks are computed in. */
  public ProviderAgentBuilder computer(TaskComputer computer) {
    this.computer = computer;
    return this;
  }

  /** Where resources are fetched from and results published. */
  public ProviderAgentBuilder resources(ResourceExchange resources) {
    this.resources = resources;
    return this;
  }

  /** Where accepted work goes to be watched for payment. */
  public ProviderAgentBuilder incomes(IncomeRecorder incomes) {
    this.incomes = incomes;
    return this;
  }

  public ProviderAgentBuilder reputation(Reputation reputation) {
    this.reputation = reputation;
    return this;
  }

  /** The folder of the jobs' files ({@code jobs/} under it). */
  public ProviderAgentBuilder dataDir(Path dataDir) {
    this.dataDir = dataDir;
    return this;
  }

  /** What every deadline, retry and expiry is measured on. */
  public ProviderAgentBuilder clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** How many subtasks at once, and what it offers each: cores and memory. */
  public ProviderAgentBuilder capacity(int slots, int cpuCores, long memoryMib) {
    this.slots = slots;
    this.cpuCores = cpuCores;
    this.memoryMib = memoryMib;
    return this;
  }

  /**
   * Where jobs are kept across restarts; a provider given one takes up first the jobs a previous
   * run left ({@link ProviderRecovery}). Null (the default): in memory only.
   */
  public ProviderAgentBuilder store(ProviderStore store) {
    this.store = store;
    return this;
  }

  /** The loop's executor and the worker pool: the agent's own from now on (closed with it). */
  public ProviderAgentBuilder executors(AgentExecutors executors) {
    this.executors = executors;
    return this;
  }

  /**
   * The node's Concent setting and its side of Concent.
   *
   * @param policy which tasks it takes by whether they are announced with Concent, and, for those
   *     that are, a check of the requestor's deposit before each offer (read on the worker pool,
   *     kept {@link DepositChecks#DEFAULT_FRESHNESS})
   * @param concent the provider's side of Concent (evidence kept, Concent asked by itself), or null
   *     when Concent is off: then nothing of it runs
   */
  public ProviderAgentBuilder concent(ConcentPolicy policy, ProviderConcent concent) {
    this.policy = policy;
    this.concent = concent;
    return this;
  }

  /**
   * The provider, running (it listens, offers and takes up what its store holds).
   *
   * @throws IllegalStateException naming every required part not given
   */
  public ProviderAgent build() {
    List<String> missing = new ArrayList<>();
    if (network == null) missing.add("network");
    if (gossip == null) missing.add("gossip");
    if (config == null) missing.add("config");
    if (computer == null) missing.add("computer");
    if (resources == null) missing.add("resources");
    if (incomes == null) missing.add("incomes");
    if (reputation == null) missing.add("reputation");
    if (dataDir == null) missing.add("dataDir");
    if (clock == null) missing.add("clock");
    if (slots < 1 || cpuCores < 1 || memoryMib < 1) missing.add("capacity (all at least 1)");
    if (policy == null) missing.add("concent policy");
    if (!missing.isEmpty()) {
      throw new IllegalStateException("a provider agent needs: " + String.join(", ", missing));
    }
    if (executors == null) executors = AgentExecutors.provider();
    return new ProviderAgent(this);
  }
}
