package org.jgolem.concent.chain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainLog;
import org.jgolem.chain.TxReceipt;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.concent.audit.AuditChain;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.protocol.notes.Purpose;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * {@link AuditChain} over contract-wrappers: receipts and logs through {@link Chain}, the deposit
 * contract's {@code isSettled} through its gateway (read only: the gateway's account is a throwaway
 * key that never signs), its reimbursement events decoded with the generated wrapper's event
 * definitions.
 */
public final class Web3AuditChain implements AuditChain, AutoCloseable {
  private static final String SUBTASK_TOPIC =
      EventEncoder.encode(GNTDeposit.REIMBURSEFORSUBTASK_EVENT);
  private static final String PAYMENT_TOPIC =
      EventEncoder.encode(GNTDeposit.REIMBURSEFORNOPAYMENT_EVENT);

  private final Chain chain;
  private final Address deposit;
  private final ConcentDeposits contract;

  public Web3AuditChain(Chain chain, Address deposit) {
    this.chain = chain;
    this.deposit = deposit;
    Credentials viewer;
    try {
      viewer = Credentials.create(Keys.createEcKeyPair());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a read-only account", e);
    }
    this.contract = new ConcentDepositsGateway(chain, deposit, viewer);
  }

  /** Connects to {@code rpcUrl}. */
  public static Web3AuditChain connect(String rpcUrl, Address deposit) {
    return new Web3AuditChain(Chain.connect(rpcUrl), deposit);
  }

  @Override
  public long chainId() {
    return chain.remoteChainId();
  }

  @Override
  public long head() {
    return chain.blockNumber();
  }

  @Override
  public Optional<MinedTx> transaction(String hash) {
    Optional<TxReceipt> r;
    try {
      r = chain.receipt(hash);
    } catch (RuntimeException e) {
      if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("invalid")) {
        return Optional.empty(); // not even a hash this chain takes
      }
      throw e;
    }
    return r.map(x -> {
      List<Paid> events = new ArrayList<>();
      for (LogEntry l : x.logs()) {
        if (l.contract().equals(deposit)) {
          decode(l.topics(), l.data(), x.hash()).ifPresent(events::add);
        }
      }
      return new MinedTx(x.hash(), x.blockNumber(), x.success(), events);
    });
  }

  @Override
  public boolean isSettled(Address payer, byte[] subtaskId) {
    return contract.isSettled(payer, subtaskId, Purpose.SUBTASK_PAYMENT);
  }

  @Override
  public List<Paid> paymentsOf(Address payer, byte[] subtaskId, long fromBlock) {
    long head = chain.blockNumber();
    String requestor = Numeric.toHexStringWithPrefixZeroPadded(payer.toBigInteger(), 64);
    List<Paid> out = new ArrayList<>();
    List<ChainLog> logs =
        chain.logs(
            deposit, fromBlock, head, List.of(List.of(SUBTASK_TOPIC, PAYMENT_TOPIC), requestor));
    for (ChainLog l : logs) {
      decode(l.topics(), l.data(), l.transactionHash())
          .filter(p -> p.subtaskIds().stream().anyMatch(s -> java.util.Arrays.equals(s, subtaskId)))
          .ifPresent(out::add);
    }
    return out;
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static Optional<Paid> decode(List<String> topics, String data, String tx) {
    if (topics.isEmpty()) {
      return Optional.empty();
    }
    String t0 = topics.get(0);
    if (t0.equalsIgnoreCase(SUBTASK_TOPIC) && topics.size() == 4) {
      List<Type> v =
          FunctionReturnDecoder.decode(
              data, (List) nonIndexed(GNTDeposit.REIMBURSEFORSUBTASK_EVENT));
      return Optional.of(
          new Paid(
              "ReimburseForSubtask",
              topicAddress(topics.get(1)),
              topicAddress(topics.get(2)),
              (BigInteger) v.get(0).getValue(),
              List.of(Numeric.hexStringToByteArray(topics.get(3))),
              0,
              tx));
    }
    if (t0.equalsIgnoreCase(PAYMENT_TOPIC) && topics.size() == 3) {
      List<Type> v =
          FunctionReturnDecoder.decode(
              data, (List) nonIndexed(GNTDeposit.REIMBURSEFORNOPAYMENT_EVENT));
      List<byte[]> ids = new ArrayList<>();
      for (Object b : (List<?>) v.get(2).getValue()) {
        ids.add(((Bytes32) b).getValue());
      }
      return Optional.of(
          new Paid(
              "ReimburseForNoPayment",
              topicAddress(topics.get(1)),
              topicAddress(topics.get(2)),
              (BigInteger) v.get(0).getValue(),
              ids,
              ((BigInteger) v.get(1).getValue()).longValueExact(),
              tx));
    }
    return Optional.empty();
  }

  private static List<TypeReference<Type>> nonIndexed(Event e) {
    return e.getNonIndexedParameters();
  }

  private static Address topicAddress(String topic) {
    return Address.of(Numeric.toBigInt(topic));
  }

  @Override
  public void close() {
    chain.close();
  }
}
