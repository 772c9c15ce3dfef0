package org.jgolem.chain.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainLog;
import org.jgolem.chain.LocalSigningTransactionManager;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.AccessListObject;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/** {@link GntToken} over the generated wrapper. */
public final class GntTokenGateway extends ContractGateway implements GntToken {
  static final String TRANSFER_TOPIC = EventEncoder.encode(GolemNetworkToken.TRANSFER_EVENT);
  static final String BATCH_TOPIC = EventEncoder.encode(GolemNetworkToken.BATCHTRANSFER_EVENT);

  private final GolemNetworkToken token;

  public GntTokenGateway(Chain chain, Address address, Credentials credentials) {
    super(chain, chain.signer(credentials), address);
    this.token = GolemNetworkToken.load(address.hex(), chain.web3j(), signer, IGNORED_GAS);
  }

  @Override
  public BigInteger totalSupply() {
    return view("GNT.totalSupply", token.totalSupply());
  }

  @Override
  public BigInteger balanceOf(Address account) {
    return view("GNT.balanceOf", token.balanceOf(account.hex()));
  }

  @Override
  public BigInteger allowance(Address owner, Address spender) {
    return view("GNT.allowance", token.allowance(owner.hex(), spender.hex()));
  }

  @Override
  public TxResult transfer(Address to, BigInteger value) {
    return tx("GNT.transfer", token.transfer(to.hex(), value));
  }

  @Override
  public TxResult transferFrom(Address from, Address to, BigInteger value) {
    return tx("GNT.transferFrom", token.transferFrom(from.hex(), to.hex(), value));
  }

  @Override
  public TxResult approve(Address spender, BigInteger value) {
    return tx("GNT.approve", token.approve(spender.hex(), value));
  }

  @Override
  public TxResult compareAndApprove(Address spender, BigInteger expected, BigInteger value) {
    return tx("GNT.compareAndApprove", token.compareAndApprove(spender.hex(), expected, value));
  }

  @Override
  public TxResult increaseAllowance(Address spender, BigInteger increase) {
    return tx("GNT.increaseAllowance", token.increaseAllowance(spender.hex(), increase));
  }

  @Override
  public TxResult decreaseAllowance(Address spender, BigInteger decrease) {
    return tx("GNT.decreaseAllowance", token.decreaseAllowance(spender.hex(), decrease));
  }

  @Override
  public TxResult transferAndCall(Address to, BigInteger value, byte[] data) {
    return tx("GNT.transferAndCall", token.transferAndCall(to.hex(), value, data));
  }

  @Override
  public TxResult burn(BigInteger value) {
    return tx("GNT.burn", token.burn(value));
  }

  /**
   * EIP-2930: a listed slot costs 1,900 gas up front and saves 2,000 on its first (cold) access;
   * the list's address entry costs 2,400 and saves nothing, the token being the called contract. So
   * the list pays for itself only above 24 distinct slots.
   */
  static final int ACCESS_LIST_BREAK_EVEN_SLOTS = 24;

  @Override
  public TxResult batchTransfer(List<PackedPayment> batch, long closureTime) {
    List<AccessListObject> accessList = accessList(batch);
    if (accessList.isEmpty()) {
      return batchTransferWithoutAccessList(batch, closureTime);
    }
    return tx("GNT.batchTransfer", batchCall(batch, closureTime), accessList);
  }

  /**
   * The access list {@link #batchTransfer} uses: empty up to 24 distinct slots, where it would not
   * pay for itself.
   */
  private List<AccessListObject> accessList(List<PackedPayment> batch) {
    Set<String> keys = new LinkedHashSet<>();
    keys.add(slot(sender()));
    batch.forEach(p -> keys.add(slot(p.payee())));
    if (keys.size() <= ACCESS_LIST_BREAK_EVEN_SLOTS) {
      return List.of();
    }
    return List.of(new AccessListObject(address.hex(), new ArrayList<>(keys)));
  }

  @Override
  public GasQuote quoteBatchTransfer(List<PackedPayment> batch, long closureTime) {
    BigInteger estimate =
        signer.estimateGas(
            address.hex(), batchCall(batch, closureTime).encodeFunctionCall(), BigInteger.ZERO);
    return new GasQuote(
        estimate, LocalSigningTransactionManager.gasLimitFor(estimate, accessList(batch)));
  }

  @Override
  public SignedTransaction signBatchTransfer(
      List<PackedPayment> batch, long closureTime, long nonce, BigInteger gasLimit, TxFees fees) {
    return signer.sign(
        address.hex(),
        batchCall(batch, closureTime).encodeFunctionCall(),
        BigInteger.ZERO,
        gasLimit,
        fees,
        nonce,
        accessList(batch));
  }

  @Override
  public List<IncomingTransfer> incomingTransfers(Address payee, long fromBlock, long toBlock) {
    List<ChainLog> transfers =
        chain.logs(
            address,
            fromBlock,
            toBlock,
            java.util.Arrays.asList(TRANSFER_TOPIC, null, topic(payee)));
    if (transfers.isEmpty()) {
      return List.of();
    }
    Set<String> senders = new LinkedHashSet<>();
    transfers.forEach(l -> senders.add(l.topics().get(1)));
    Map<String, Long> closures = new HashMap<>();
    for (ChainLog b :
        chain.logs(address, fromBlock, toBlock, List.of(BATCH_TOPIC, new ArrayList<>(senders)))) {
      closures.put(
          b.transactionHash() + b.topics().get(1), Numeric.toBigInt(b.data()).longValueExact());
    }
    List<IncomingTransfer> out = new ArrayList<>();
    for (ChainLog l : transfers) {
      if (l.topics().size() != 3) {
        continue;
      }
      Long closure = closures.get(l.transactionHash() + l.topics().get(1));
      out.add(
          new IncomingTransfer(
              l.transactionHash(),
              l.logIndex(),
              l.blockNumber(),
              l.blockHash(),
              topicAddress(l.topics().get(1)),
              topicAddress(l.topics().get(2)),
              Numeric.toBigInt(l.data()),
              closure == null ? OptionalLong.empty() : OptionalLong.of(closure)));
    }
    return out;
  }

  private static String topic(Address a) {
    return Numeric.toHexStringWithPrefixZeroPadded(a.toBigInteger(), 64);
  }

  @Override
  public TxResult batchTransferWithoutAccessList(List<PackedPayment> batch, long closureTime) {
    return tx("GNT.batchTransfer", batchCall(batch, closureTime));
  }

  private org.web3j.protocol.core.RemoteFunctionCall<
          org.web3j.protocol.core.methods.response.TransactionReceipt>
      batchCall(List<PackedPayment> batch, long closureTime) {
    List<byte[]> words = batch.stream().map(PackedPayment::wordBytes).toList();
    return token.batchTransfer(words, BigInteger.valueOf(closureTime));
  }

  /** GNT keeps the balance of account {@code a} in storage slot {@code uint160(a)}. */
  private static String slot(Address a) {
    return Numeric.toHexStringWithPrefixZeroPadded(a.toBigInteger(), 64);
  }

  @Override
  public List<TransferEvent> transfers(TxResult tx) {
    List<TransferEvent> out = new ArrayList<>();
    for (LogEntry log : tx.logs()) {
      if (log.contract().equals(address)
          && log.topics().size() == 3
          && TRANSFER_TOPIC.equals(log.topics().get(0))) {
        out.add(
            new TransferEvent(
                topicAddress(log.topics().get(1)),
                topicAddress(log.topics().get(2)),
                Numeric.toBigInt(log.data())));
      }
    }
    return out;
  }

  @Override
  public OptionalLong batchClosureTime(TxResult tx) {
    for (LogEntry log : tx.logs()) {
      if (log.contract().equals(address) && BATCH_TOPIC.equals(log.topics().get(0))) {
        return OptionalLong.of(Numeric.toBigInt(log.data()).longValueExact());
      }
    }
    return OptionalLong.empty();
  }

  static Address topicAddress(String topic) {
    return Address.of(Numeric.toBigInt(topic));
  }
}
