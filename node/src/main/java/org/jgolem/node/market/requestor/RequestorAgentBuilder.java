package org.jgolem.node.market.requestor;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.compute.TaskComputer;
import org.jgolem.node.concent.ConcentPolicy;
import org.jgolem.node.concent.RequestorConcent;
import org.jgolem.node.gossip.TaskHeaderGossip;
import org.jgolem.node.market.AgentExecutors;
import org.jgolem.node.market.MarketConfig;
import org.jgolem.node.market.PaymentRecorder;
import org.jgolem.node.market.ResourceExchange;
import org.jgolem.node.p2p.P2PNetwork;
import org.jgolem.node.reputation.Reputation;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.tasks.TaskTemplates;

/**
 * The parts of a {@link RequestorAgent}, named: {@link RequestorAgent#builder()}, the required
 * parts, then {@link #build()}, which says every part that is missing. The optional ones: a {@link
 * #localComputer} (without one it recomputes nothing itself), a {@link #store} (without one, tasks
 * live in memory only), the {@link #executors} (by default threads of the agent's own), and {@link
 * #concent} (by default off: nothing of Concent runs). {@link RequestorAgent#start} then resumes
 * what the store holds and starts listening.
 */
public final class RequestorAgentBuilder {
  NodeKey key;
  P2PNetwork network;
  TaskHeaderGossip gossip;
  MarketConfig config;
  TaskTemplates templates;
  ResourceExchange resources;
  PaymentRecorder payments;
  RequestorAgent.FundsCheck funds;
  Reputation reputation;
  TaskComputer localComputer;
  Path dataDir;
  Clock clock;
  RequestorStore store;
  AgentExecutors executors;
  ConcentPolicy policy = ConcentPolicy.off();
  RequestorConcent concent;

  RequestorAgentBuilder() {}

  /** The node's key: it signs headers, assignments and verdicts. */
  public RequestorAgentBuilder key(NodeKey key) {
    this.key = key;
    return this;
  }

  public RequestorAgentBuilder network(P2PNetwork network) {
    this.network = network;
    return this;
  }

  public RequestorAgentBuilder gossip(TaskHeaderGossip gossip) {
    this.gossip = gossip;
    return this;
  }

  public RequestorAgentBuilder config(MarketConfig config) {
    this.config = config;
    return this;
  }

  /** The task types it can plan. */
  public RequestorAgentBuilder templates(TaskTemplates templates) {
    this.templates = templates;
    return this;
  }

  /** Where resources are published and results fetched from. */
  public RequestorAgentBuilder resources(ResourceExchange resources) {
    this.resources = resources;
    return this;
  }

  /** Where accepted results go to be paid. */
  public RequestorAgentBuilder payments(PaymentRecorder payments) {
    this.payments = payments;
    return this;
  }

  /** Whether it can pay a task's maximum cost. */
  public RequestorAgentBuilder funds(RequestorAgent.FundsCheck funds) {
    this.funds = funds;
    return this;
  }

  public RequestorAgentBuilder reputation(Reputation reputation) {
    this.reputation = reputation;
    return this;
  }

  /** The sandboxes for its own recomputes; null (the default): it recomputes nothing. */
  public RequestorAgentBuilder localComputer(TaskComputer localComputer) {
    this.localComputer = localComputer;
    return this;
  }

  /** The folder of the tasks' files. */
  public RequestorAgentBuilder dataDir(Path dataDir) {
    this.dataDir = dataDir;
    return this;
  }

  /** What every deadline, timeout and acknowledgement delay is measured on. */
  public RequestorAgentBuilder clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Where tasks are kept across restarts; null (the default): in memory only. */
  public RequestorAgentBuilder store(RequestorStore store) {
    this.store = store;
    return this;
  }

  /** The loop's executor and the worker pool: the agent's own from now on (closed with it). */
  public RequestorAgentBuilder executors(AgentExecutors executors) {
    this.executors = executors;
    return this;
  }

  /**
   * The node's Concent setting and its side of Concent.
   *
   * @param policy a task is announced with Concent as {@link ConcentPolicy#mode()} says, and then
   *     only when the requestor's deposit backs it
   * @param concent the requestor's side of Concent (evidence kept, answers to what Concent relays),
   *     or null when Concent is off: then nothing of it runs
   */
  public RequestorAgentBuilder concent(ConcentPolicy policy, RequestorConcent concent) {
    this.policy = policy;
    this.concent = concent;
    return this;
  }

  /**
   * The requestor, not started yet ({@link RequestorAgent#start}).
   *
   * @throws IllegalStateException naming every required part not given
   */
  public RequestorAgent build() {
    List<String> missing = new ArrayList<>();
    if (key == null) missing.add("key");
    if (network == null) missing.add("network");
    if (gossip == null) missing.add("gossip");
    if (config == null) missing.add("config");
    if (templates == null) missing.add("templates");
    if (resources == null) missing.add("resources");
    if (payments == null) missing.add("payments");
    if (funds == null) missing.add("funds");
    if (reputation == null) missing.add("reputation");
    if (dataDir == null) missing.add("dataDir");
    if (clock == null) missing.add("clock");
    if (policy == null) missing.add("concent policy");
    if (!missing.isEmpty()) {
      throw new IllegalStateException("a requestor agent needs: " + String.join(", ", missing));
    }
    if (executors == null) executors = AgentExecutors.requestor();
    return new RequestorAgent(this);
  }
}
