package org.jgolem.node.payments;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.testkit.FakeClock;

/**
 * A deterministic in-memory chain for unit tests of the payment logic: accounts with nonces and GNT
 * balances, a pool, blocks (mined on demand or automatically), receipts, Transfer logs, and the
 * failures the processor must survive: dropped transactions, a chain that goes back, a new genesis,
 * base fee rises, foreign transactions taking a nonce. It models {@code batchTransfer}'s rules
 * (closure time, bad payees, balance) but nothing of the EVM.
 */
final class FakeChain {
  static final Address TOKEN = Address.of("0x" + "7e".repeat(20));
  static final BigInteger GWEI = BigInteger.valueOf(1_000_000_000L);

  enum Kind {
    BATCH,
    FILLER,
    TRANSFER
  }

  record Tx(
      String hash,
      String raw,
      Address from,
      long nonce,
      Kind kind,
      List<PackedPayment> words,
      long closureTime,
      BigInteger gasLimit,
      BigInteger tip,
      BigInteger maxFee,
      Address to,
      BigInteger value) {}

  record Log(
      String txHash,
      long logIndex,
      Address from,
      Address to,
      BigInteger value,
      OptionalLong closureTime) {}

  record Block(
      long number,
      String hash,
      long timestamp,
      List<Tx> txs,
      Map<String, Boolean> success,
      List<Log> logs,
      Map<Address, BigInteger> balances,
      Map<Address, Long> nonces) {}

  private final FakeClock clock;
  private long chainId = 31337;
  private String genesis;
  private int epoch;
  private final List<Block> blocks = new ArrayList<>();
  private final Map<String, Tx> byRaw = new HashMap<>();
  private final List<Tx> pool = new ArrayList<>();
  private final Map<String, Integer> broadcasts = new HashMap<>();
  private final Map<Address, String> refusedPayees = new HashMap<>();
  private final List<long[]> logQueries = new ArrayList<>();
  private boolean automine = true;
  private boolean tokenCode = true;
  private boolean hollowToken;
  private BigInteger baseFee = GWEI;
  private long chainClockOffset;
  private int signatures;

  FakeChain(FakeClock clock) {
    this.clock = clock;
    this.genesis = hash("genesis", 0);
    blocks.add(
        new Block(
            0,
            genesis,
            clock.millis() / 1000,
            List.of(),
            Map.of(),
            List.of(),
            new HashMap<>(),
            new HashMap<>()));
  }

  // ------------------------------------------------------------------------------ test controls

  PaymentChain wallet(Address account) {
    return new Wallet(account);
  }

  ChainView view() {
    return new Wallet(Address.of("0x" + "00".repeat(19) + "01"));
  }

  /** Sets a balance in the head state, as a genesis allocation would. */
  void fund(Address account, BigInteger gnt) {
    head().balances().put(account, gnt);
  }

  void setAutomine(boolean on) {
    automine = on;
    if (on) {
      mine();
    }
  }

  /** The token contract is gone (a chain reset from scratch that kept chain id and genesis). */
  void removeTokenCode() {
    tokenCode = false;
  }

  /**
   * Batches succeed but move nothing and log nothing, while the token still reports code (a broken
   * contract).
   */
  void makeTokenHollow() {
    hollowToken = true;
  }

  void setBaseFee(BigInteger fee) {
    baseFee = fee;
  }

  /** The chain's clock runs {@code seconds} behind (negative) or ahead of the test clock. */
  void setChainClockOffset(long seconds) {
    chainClockOffset = seconds;
  }

  /** The estimate refuses any batch paying {@code payee} with {@code error(index)}. */
  void refusePayee(Address payee, String error) {
    refusedPayees.put(payee, error);
  }

  /** Empties the pool (transactions dropped, or the node restarted). */
  void dropPool() {
    pool.clear();
  }

  void dropFromPool(String hash) {
    pool.removeIf(t -> t.hash().equals(hash));
  }

  int poolSize() {
    return pool.size();
  }

  /** Mines one block with every includable pool transaction. */
  Block mine() {
    Block parent = head();
    long number = parent.number() + 1;
    long timestamp = Math.max(parent.timestamp(), clock.millis() / 1000 + chainClockOffset);
    Map<Address, BigInteger> balances = new HashMap<>(parent.balances());
    Map<Address, Long> nonces = new HashMap<>(parent.nonces());
    List<Tx> included = new ArrayList<>();
    Map<String, Boolean> success = new LinkedHashMap<>();
    List<Log> logs = new ArrayList<>();
    List<Tx> candidates = new ArrayList<>(pool);
    candidates.sort(Comparator.comparing((Tx t) -> t.from().hex()).thenComparingLong(Tx::nonce));
    for (Tx t : candidates) {
      long expected = nonces.getOrDefault(t.from(), 0L);
      if (t.nonce() != expected || t.maxFee().compareTo(baseFee) < 0) {
        continue;
      }
      nonces.put(t.from(), expected + 1);
      included.add(t);
      pool.remove(t);
      success.put(t.hash(), execute(t, timestamp, balances, logs) == null);
    }
    Block b =
        new Block(
            number,
            hash(genesis + ":" + epoch + ":" + included, number),
            timestamp,
            included,
            success,
            logs,
            balances,
            nonces);
    blocks.add(b);
    return b;
  }

  void mine(int n) {
    for (int i = 0; i < n; i++) {
      mine();
    }
  }

  /**
   * The chain goes back to block {@code number} (a node restarted from older state): later blocks
   * and the pool are lost.
   */
  void rollbackTo(long number) {
    while (head().number() > number) {
      blocks.remove(blocks.size() - 1);
    }
    pool.clear();
    epoch++;
  }

  /** A new chain behind the same endpoint: another genesis. */
  void resetGenesis() {
    epoch++;
    genesis = hash("genesis", epoch);
    blocks.clear();
    pool.clear();
    blocks.add(
        new Block(
            0,
            genesis,
            clock.millis() / 1000,
            List.of(),
            Map.of(),
            List.of(),
            new HashMap<>(),
            new HashMap<>()));
  }

  /** Another component of the node sends a transaction from {@code from} at its next pool nonce. */
  Tx foreignTx(Address from) {
    Tx t =
        sign(
            from,
            wallet(from).pendingNonce(),
            Kind.TRANSFER,
            List.of(),
            0,
            BigInteger.valueOf(21_000),
            GWEI,
            baseFee.shiftLeft(1).add(GWEI),
            from,
            BigInteger.ZERO);
    new Wallet(from).broadcast(t.raw());
    return t;
  }

  /** A plain GNT transfer (not a batch), sent and (with automine) mined. */
  Tx transfer(Address from, Address to, BigInteger value) {
    Tx t =
        sign(
            from,
            wallet(from).pendingNonce(),
            Kind.TRANSFER,
            List.of(),
            0,
            BigInteger.valueOf(60_000),
            GWEI,
            baseFee.shiftLeft(1).add(GWEI),
            to,
            value);
    new Wallet(from).broadcast(t.raw());
    return t;
  }

  /** A batch sent directly (as another requestor would), bypassing any processor. */
  Tx batch(Address from, List<PackedPayment> words, long closureTime) {
    Tx t =
        sign(
            from,
            wallet(from).pendingNonce(),
            Kind.BATCH,
            words,
            closureTime,
            BigInteger.valueOf(1_000_000),
            GWEI,
            baseFee.shiftLeft(1).add(GWEI),
            TOKEN,
            BigInteger.ZERO);
    new Wallet(from).broadcast(t.raw());
    return t;
  }

  BigInteger balance(Address a) {
    return head().balances().getOrDefault(a, BigInteger.ZERO);
  }

  long headNumber() {
    return head().number();
  }

  Block block(long n) {
    return blocks.get((int) n);
  }

  int broadcastsOf(String hash) {
    return broadcasts.getOrDefault(hash, 0);
  }

  int totalBroadcasts() {
    return broadcasts.values().stream().mapToInt(Integer::intValue).sum();
  }

  int signatures() {
    return signatures;
  }

  /** Every transaction of {@code from} in the canonical chain. */
  List<Tx> minedFrom(Address from) {
    List<Tx> out = new ArrayList<>();
    for (Block b : blocks) {
      b.txs().stream().filter(t -> t.from().equals(from)).forEach(out::add);
    }
    return out;
  }

  List<long[]> logQueries() {
    return logQueries;
  }

  // ------------------------------------------------------------------------------ execution

  private Block head() {
    return blocks.get(blocks.size() - 1);
  }

  /** Returns null on success, else the error name. */
  private String execute(Tx t, long timestamp, Map<Address, BigInteger> balances, List<Log> logs) {
    switch (t.kind()) {
      case FILLER -> {
        return null;
      }
      case TRANSFER -> {
        if (t.value().signum() == 0) {
          return null;
        }
        BigInteger have = balances.getOrDefault(t.from(), BigInteger.ZERO);
        if (have.compareTo(t.value()) < 0) {
          return "InsufficientBalance";
        }
        balances.put(t.from(), have.subtract(t.value()));
        balances.merge(t.to(), t.value(), BigInteger::add);
        logs.add(new Log(t.hash(), logs.size(), t.from(), t.to(), t.value(), OptionalLong.empty()));
        return null;
      }
      default -> {
        if (!tokenCode || hollowToken) {
          return null; // a call to an account without code succeeds and does nothing
        }
        Refusal r = check(t.from(), t.words(), t.closureTime(), timestamp, balances);
        if (r != null) {
          return r.error();
        }
        for (PackedPayment w : t.words()) {
          balances.merge(t.from(), w.amount().negate(), BigInteger::add);
          balances.merge(w.payee(), w.amount(), BigInteger::add);
          logs.add(
              new Log(
                  t.hash(),
                  logs.size(),
                  t.from(),
                  w.payee(),
                  w.amount(),
                  OptionalLong.of(t.closureTime())));
        }
        return null;
      }
    }
  }

  private record Refusal(String error, List<Object> args) {}

  private Refusal check(
      Address from,
      List<PackedPayment> words,
      long closure,
      long timestamp,
      Map<Address, BigInteger> balances) {
    if (closure > timestamp) {
      return new Refusal(
          "ClosureTimeInFuture",
          List.of(BigInteger.valueOf(closure), BigInteger.valueOf(timestamp)));
    }
    if (words.isEmpty()) {
      return new Refusal("EmptyBatch", List.of());
    }
    BigInteger total = BigInteger.ZERO;
    for (int i = 0; i < words.size(); i++) {
      PackedPayment w = words.get(i);
      if (w.payee().equals(from)) {
        return new Refusal("PaymentToSender", List.of(BigInteger.valueOf(i)));
      }
      String refused = refusedPayees.get(w.payee());
      if (refused != null) {
        return new Refusal(refused, List.of(BigInteger.valueOf(i)));
      }
      total = total.add(w.amount());
    }
    BigInteger have = balances.getOrDefault(from, BigInteger.ZERO);
    if (have.compareTo(total) < 0) {
      return new Refusal("InsufficientBalance", List.of(from.hex(), have, total));
    }
    return null;
  }

  private Tx sign(
      Address from,
      long nonce,
      Kind kind,
      List<PackedPayment> words,
      long closure,
      BigInteger gasLimit,
      BigInteger tip,
      BigInteger maxFee,
      Address to,
      BigInteger value) {
    signatures++;
    String h =
        hash(
            from + ":" + nonce + ":" + kind + ":" + words + ":" + closure + ":" + gasLimit + ":"
                + tip + ":" + maxFee + ":" + to + ":" + value,
            0);
    Tx t =
        new Tx(
            h,
            "0xraw" + h.substring(2),
            from,
            nonce,
            kind,
            List.copyOf(words),
            closure,
            gasLimit,
            tip,
            maxFee,
            to,
            value);
    byRaw.put(t.raw(), t);
    return t;
  }

  private static String hash(String s, long n) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((s + "#" + n).getBytes(StandardCharsets.UTF_8));
      return "0x" + HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private Optional<Block> blockOf(String txHash) {
    for (Block b : blocks) {
      for (Tx t : b.txs()) {
        if (t.hash().equals(txHash)) {
          return Optional.of(b);
        }
      }
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------------------ the port

  private final class Wallet implements PaymentChain {
    private final Address account;

    Wallet(Address account) {
      this.account = account;
    }

    @Override
    public ChainIdentity identity() {
      return new ChainIdentity(chainId, genesis);
    }

    @Override
    public boolean tokenDeployed() {
      return tokenCode;
    }

    @Override
    public long latestBlock() {
      return head().number();
    }

    @Override
    public Optional<String> blockHash(long number) {
      return number < 0 || number >= blocks.size()
          ? Optional.empty()
          : Optional.of(blocks.get((int) number).hash());
    }

    @Override
    public BigInteger tokenBalance(Address a) {
      return balance(a);
    }

    @Override
    public BigInteger etherBalance(Address a) {
      return BigInteger.TEN.pow(18);
    }

    @Override
    public List<IncomingTransfer> transfersTo(Address payee, long fromBlock, long toBlock) {
      if (toBlock > head().number() || fromBlock > toBlock) {
        throw new PaymentException(
            PaymentException.Reason.CHAIN_UNAVAILABLE, "bad range " + fromBlock + ".." + toBlock);
      }
      logQueries.add(new long[] {fromBlock, toBlock});
      List<IncomingTransfer> out = new ArrayList<>();
      for (long n = fromBlock; n <= toBlock; n++) {
        Block b = blocks.get((int) n);
        for (Log l : b.logs()) {
          if (l.to().equals(payee)) {
            out.add(
                new IncomingTransfer(
                    l.txHash(),
                    l.logIndex(),
                    b.number(),
                    b.hash(),
                    l.from(),
                    l.value(),
                    l.closureTime()));
          }
        }
      }
      return out;
    }

    @Override
    public Address account() {
      return account;
    }

    @Override
    public Address token() {
      return TOKEN;
    }

    @Override
    public long nonceAt(long number) {
      return blocks.get((int) number).nonces().getOrDefault(account, 0L);
    }

    @Override
    public long pendingNonce() {
      long n = head().nonces().getOrDefault(account, 0L);
      while (true) {
        long k = n;
        if (pool.stream().noneMatch(t -> t.from().equals(account) && t.nonce() == k)) {
          return n;
        }
        n++;
      }
    }

    @Override
    public Fees fees() {
      return new Fees(baseFee, GWEI, baseFee.shiftLeft(1).add(GWEI));
    }

    @Override
    public Estimate estimateBatch(List<PackedPayment> words, long closureTime) {
      long timestamp = Math.max(head().timestamp(), clock.millis() / 1000 + chainClockOffset);
      Refusal r = check(account, words, closureTime, timestamp, head().balances());
      if (r != null) {
        return new Estimate.Refused(r.error(), r.args(), r.error() + r.args());
      }
      BigInteger gas = BigInteger.valueOf(30_000L + 25_000L * words.size());
      return new Estimate.Ok(
          gas, gas.multiply(BigInteger.valueOf(5)).divide(BigInteger.valueOf(4)));
    }

    @Override
    public SignedTx signBatch(
        List<PackedPayment> words, long closureTime, long nonce, BigInteger gasLimit, Fees fees) {
      Tx t =
          sign(
              account,
              nonce,
              Kind.BATCH,
              words,
              closureTime,
              gasLimit,
              fees.tip(),
              fees.maxFee(),
              TOKEN,
              BigInteger.ZERO);
      return new SignedTx(t.hash(), t.raw(), nonce, gasLimit, fees.tip(), fees.maxFee());
    }

    @Override
    public SignedTx signFiller(long nonce, Fees fees) {
      Tx t =
          sign(
              account,
              nonce,
              Kind.FILLER,
              List.of(),
              0,
              BigInteger.valueOf(21_000),
              fees.tip(),
              fees.maxFee(),
              account,
              BigInteger.ZERO);
      return new SignedTx(t.hash(), t.raw(), nonce, t.gasLimit(), fees.tip(), fees.maxFee());
    }

    @Override
    public BroadcastResult broadcast(String raw) {
      Tx t = byRaw.get(raw);
      if (t == null) {
        return new BroadcastResult(BroadcastResult.Status.REJECTED, "cannot decode");
      }
      broadcasts.merge(t.hash(), 1, Integer::sum);
      if (t.nonce() < head().nonces().getOrDefault(t.from(), 0L)) {
        return new BroadcastResult(BroadcastResult.Status.NONCE_TOO_LOW, "nonce too low");
      }
      if (pool.stream().anyMatch(p -> p.hash().equals(t.hash()))) {
        return new BroadcastResult(BroadcastResult.Status.ALREADY_KNOWN, "already known");
      }
      if (t.maxFee().compareTo(baseFee) < 0) {
        return new BroadcastResult(
            BroadcastResult.Status.UNDERPRICED, "max fee per gas less than block base fee");
      }
      Optional<Tx> same =
          pool.stream()
              .filter(p -> p.from().equals(t.from()) && p.nonce() == t.nonce())
              .findFirst();
      if (same.isPresent()) {
        Tx old = same.get();
        BigInteger minTip = old.tip().multiply(BigInteger.valueOf(11)).divide(BigInteger.TEN);
        BigInteger minFee = old.maxFee().multiply(BigInteger.valueOf(11)).divide(BigInteger.TEN);
        if (t.tip().compareTo(minTip) < 0 || t.maxFee().compareTo(minFee) < 0) {
          return new BroadcastResult(
              BroadcastResult.Status.UNDERPRICED, "replacement transaction underpriced");
        }
        pool.remove(old);
      }
      pool.add(t);
      if (automine && t.nonce() == head().nonces().getOrDefault(t.from(), 0L)) {
        mine();
      }
      return new BroadcastResult(BroadcastResult.Status.ACCEPTED, t.hash());
    }

    @Override
    public Optional<Receipt> receipt(String transactionHash) {
      return blockOf(transactionHash)
          .map(b ->
              new Receipt(
                  transactionHash,
                  b.number(),
                  b.hash(),
                  b.success().get(transactionHash),
                  50_000,
                  b.logs().stream()
                      .anyMatch(
                          l -> l.txHash().equals(transactionHash) && l.closureTime().isPresent())));
    }
  }
}
