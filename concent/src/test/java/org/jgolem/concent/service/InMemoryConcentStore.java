package org.jgolem.concent.service;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jgolem.concent.cases.SubtaskCase;
import org.jgolem.eth.Address;
import org.jgolem.protocol.notes.SignedNote;

/**
 * A test double of the store port for the service's logic tests: everything in memory, one
 * transaction at a time, a transaction that throws leaves nothing behind (the state is copied
 * before and restored). {@link #failNext} makes the next transaction throw, as a database that is
 * down would.
 */
final class InMemoryConcentStore implements ConcentStore {
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Queued(Delivery delivery, boolean acked) {}

  private static final class State {
    Map<String, SubtaskCase> cases = new LinkedHashMap<>();
    List<Queued> outbox = new ArrayList<>();
    Map<String, Claim> claims = new LinkedHashMap<>();
    List<Settlement> settlements = new ArrayList<>();
    Set<String> nonces = new HashSet<>();
    long nextSettlementId = 1;

    State copy() {
      State s = new State();
      s.cases = new LinkedHashMap<>(cases);
      s.outbox = new ArrayList<>(outbox);
      s.claims = new LinkedHashMap<>(claims);
      s.settlements = new ArrayList<>(settlements);
      s.nonces = new HashSet<>(nonces);
      s.nextSettlementId = nextSettlementId;
      return s;
    }
  }

  private State state = new State();
  private RuntimeException failNext;
  int transactions;

  void failNext(RuntimeException e) {
    this.failNext = e;
  }

  @Override
  public synchronized <T> T transaction(Function<ConcentTx, T> work) {
    transactions++;
    if (failNext != null) {
      RuntimeException e = failNext;
      failNext = null;
      throw e;
    }
    State before = state.copy();
    try {
      return work.apply(new Tx());
    } catch (RuntimeException e) {
      state = before;
      throw e;
    }
  }

  @Override
  public void close() {}

  // ------------------------------------------------------------------ for assertions

  synchronized List<SubtaskCase> cases() {
    return List.copyOf(state.cases.values());
  }

  synchronized List<Settlement> settlements() {
    return List.copyOf(state.settlements);
  }

  synchronized List<Claim> claims() {
    return List.copyOf(state.claims.values());
  }

  synchronized List<Delivery> outbox(Address recipient) {
    return state.outbox.stream()
        .filter(q -> !q.acked() && q.delivery().recipient().equals(recipient))
        .map(Queued::delivery)
        .toList();
  }

  synchronized int outboxSize() {
    return (int) state.outbox.stream().filter(q -> !q.acked()).count();
  }

  private static String key(Address a, byte[] id) {
    return a.hex() + ":" + HexFormat.of().formatHex(id);
  }

  private static String claimKey(Address payer, byte[] sid, Claim.UseCase u) {
    return key(payer, sid) + ":" + u;
  }

  private final class Tx implements ConcentTx {
    @Override
    public Optional<SubtaskCase> findCase(Address requestor, byte[] subtaskId) {
      return Optional.ofNullable(state.cases.get(key(requestor, subtaskId)));
    }

    @Override
    public void saveCase(SubtaskCase c) {
      String k = key(c.requestor(), c.subtaskId());
      SubtaskCase old = state.cases.get(k);
      long stored = old == null ? 0 : old.version();
      if (stored != c.version() - 1) {
        throw new StaleCaseException(c + " is stale: stored v" + stored);
      }
      state.cases.put(k, c);
    }

    @Override
    public List<SubtaskCase> casesByResult(String resultCid) {
      return state.cases.values().stream().filter(c -> c.resultCid().equals(resultCid)).toList();
    }

    @Override
    public List<SubtaskCase> casesIn(org.jgolem.concent.cases.CaseState st, int limit) {
      return state.cases.values().stream()
          .filter(c -> c.state() == st)
          .sorted(Comparator.comparingLong(SubtaskCase::nextDeadline))
          .limit(limit)
          .toList();
    }

    @Override
    public List<SubtaskCase> dueCases(long now, int limit) {
      return state.cases.values().stream()
          .filter(c -> c.state().isActive() && c.nextDeadline() < now)
          .sorted(Comparator.comparingLong(SubtaskCase::nextDeadline))
          .limit(limit)
          .toList();
    }

    @Override
    public byte[] enqueue(Address recipient, byte[] frame, long now) {
      byte[] id = new byte[16];
      RANDOM.nextBytes(id);
      state.outbox.add(new Queued(new Delivery(id, recipient, frame, now), false));
      return id;
    }

    @Override
    public List<Delivery> pending(Address recipient, int limit) {
      return state.outbox.stream()
          .filter(q -> !q.acked() && q.delivery().recipient().equals(recipient))
          .map(Queued::delivery)
          .limit(limit)
          .toList();
    }

    @Override
    public int acknowledge(Address recipient, List<byte[]> deliveryIds) {
      int n = 0;
      for (int i = 0; i < state.outbox.size(); i++) {
        Queued q = state.outbox.get(i);
        if (q.acked() || !q.delivery().recipient().equals(recipient)) {
          continue;
        }
        for (byte[] id : deliveryIds) {
          if (Arrays.equals(id, q.delivery().id())) {
            state.outbox.set(i, new Queued(q.delivery(), true));
            n++;
            break;
          }
        }
      }
      return n;
    }

    @Override
    public ClaimResult claim(Claim claim, BigInteger depositBalance) {
      String k = claimKey(claim.payer(), claim.subtaskId(), claim.useCase());
      if (state.claims.containsKey(k)) {
        return new ClaimResult.Duplicate();
      }
      BigInteger before = reserved(claim.payer());
      if (before.add(claim.amount()).compareTo(depositBalance) > 0) {
        return new ClaimResult.Insufficient(depositBalance, before, claim.amount());
      }
      state.claims.put(k, claim);
      return new ClaimResult.Reserved(before.add(claim.amount()));
    }

    @Override
    public BigInteger reserved(Address payer) {
      return state.claims.values().stream()
          .filter(c -> c.payer().equals(payer))
          .map(Claim::amount)
          .reduce(BigInteger.ZERO, BigInteger::add);
    }

    @Override
    public void releaseClaim(Address payer, byte[] subtaskId, Claim.UseCase useCase) {
      state.claims.remove(claimKey(payer, subtaskId, useCase));
    }

    @Override
    public long addSettlement(Settlement s) {
      long id = state.nextSettlementId++;
      state.settlements.add(s.withId(id));
      return id;
    }

    @Override
    public List<Settlement> settlements(Settlement.Status status, int limit) {
      return state.settlements.stream().filter(s -> s.status() == status).limit(limit).toList();
    }

    @Override
    public void updateSettlement(Settlement s) {
      for (int i = 0; i < state.settlements.size(); i++) {
        if (state.settlements.get(i).id() == s.id()) {
          state.settlements.set(i, s);
          return;
        }
      }
      throw new IllegalArgumentException("no settlement " + s.id());
    }

    @Override
    public boolean hasSettlementFor(Address payer, byte[] subtaskId) {
      for (Settlement s : state.settlements) {
        if (s.payer().equals(payer) && s.status() != Settlement.Status.FAILED) {
          for (SignedNote n : s.notes()) {
            if (Arrays.equals(n.note().subtaskId(), subtaskId)) {
              return true;
            }
          }
        }
      }
      return false;
    }

    @Override
    public boolean rememberNonce(Address client, byte[] nonce, long expiresAt) {
      return state.nonces.add(key(client, nonce));
    }

    @Override
    public int forgetNonces(long now) {
      return 0;
    }
  }
}
