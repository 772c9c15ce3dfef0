package org.jgolem.chain;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jgolem.contracts.generated.GNTDeposit;
import org.jgolem.eth.Address;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Type;
import org.web3j.utils.Numeric;

/**
 * The money that went into and out of GNTDeposit, summed from the chain's own event logs (not from
 * any model): every {@code Deposit}, {@code Withdraw} and the four {@code Reimburse*} events, in
 * total and per account.
 *
 * @param deposited the sum of {@code Deposit} amounts
 * @param withdrawn the sum of {@code Withdraw} amounts
 * @param reimbursed the sums of the reimbursement events, by event name
 * @param net per account: deposited minus withdrawn minus reimbursed from it
 * @param events how many money events were read
 */
record DepositEventLedger(
    BigInteger deposited,
    BigInteger withdrawn,
    Map<String, BigInteger> reimbursed,
    Map<Address, BigInteger> net,
    int events) {

  private static final Map<String, Event> REIMBURSEMENTS =
      Map.of(
          "ReimburseForSubtask", GNTDeposit.REIMBURSEFORSUBTASK_EVENT,
          "ReimburseForNoPayment", GNTDeposit.REIMBURSEFORNOPAYMENT_EVENT,
          "ReimburseForVerificationCosts", GNTDeposit.REIMBURSEFORVERIFICATIONCOSTS_EVENT,
          "ReimburseForCommunication", GNTDeposit.REIMBURSEFORCOMMUNICATION_EVENT);

  static DepositEventLedger read(Chain chain, Address deposit, long fromBlock, long toBlock) {
    String depositTopic = EventEncoder.encode(GNTDeposit.DEPOSIT_EVENT);
    String withdrawTopic = EventEncoder.encode(GNTDeposit.WITHDRAW_EVENT);
    Map<String, String> reimburseTopics = new HashMap<>();
    REIMBURSEMENTS.forEach((name, e) -> reimburseTopics.put(EventEncoder.encode(e), name));

    BigInteger deposited = BigInteger.ZERO;
    BigInteger withdrawn = BigInteger.ZERO;
    Map<String, BigInteger> reimbursed = new TreeMap<>();
    REIMBURSEMENTS.keySet().forEach(k -> reimbursed.put(k, BigInteger.ZERO));
    Map<Address, BigInteger> net = new HashMap<>();
    int events = 0;
    for (ChainLog log : chain.logs(deposit, fromBlock, toBlock, List.of())) {
      String topic0 = log.topics().get(0);
      Address account = log.topics().size() > 1 ? topicAddress(log.topics().get(1)) : null;
      BigInteger amount;
      if (topic0.equals(depositTopic)) {
        amount = firstValue(log, GNTDeposit.DEPOSIT_EVENT);
        deposited = deposited.add(amount);
        net.merge(account, amount, BigInteger::add);
      } else if (topic0.equals(withdrawTopic)) {
        amount = firstValue(log, GNTDeposit.WITHDRAW_EVENT);
        withdrawn = withdrawn.add(amount);
        net.merge(account, amount.negate(), BigInteger::add);
      } else if (reimburseTopics.containsKey(topic0)) {
        String name = reimburseTopics.get(topic0);
        amount = firstValue(log, REIMBURSEMENTS.get(name));
        reimbursed.merge(name, amount, BigInteger::add);
        net.merge(account, amount.negate(), BigInteger::add);
      } else {
        continue; // Lock, Unlock, role and limit changes move no money
      }
      events++;
    }
    return new DepositEventLedger(deposited, withdrawn, reimbursed, net, events);
  }

  BigInteger totalReimbursed() {
    return reimbursed.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
  }

  /** The event's first non-indexed value: the amount, in every money event of GNTDeposit. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static BigInteger firstValue(ChainLog log, Event event) {
    List<Type> values =
        FunctionReturnDecoder.decode(log.data(), (List) event.getNonIndexedParameters());
    return (BigInteger) values.get(0).getValue();
  }

  private static Address topicAddress(String topic) {
    return Address.of(Numeric.toBigInt(topic));
  }
}
