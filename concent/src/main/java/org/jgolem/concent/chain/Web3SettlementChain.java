package org.jgolem.concent.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.jgolem.chain.Broadcast;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.LocalSigningTransactionManager;
import org.jgolem.chain.SignedTransaction;
import org.jgolem.chain.TxFees;
import org.jgolem.chain.TxReceipt;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.ConcentDeposits.Reimbursement;
import org.jgolem.chain.contracts.GntToken.GasQuote;
import org.jgolem.concent.service.Settlement;
import org.jgolem.concent.settle.SettlementChain;
import org.jgolem.eth.Address;

/**
 * {@link SettlementChain} over contract-wrappers, as Concent's account: estimates then signs {@code
 * reimburseForSubtasks} / {@code reimburseForNoPayment} locally (EIP-1559) with the nonce the
 * settler gives, broadcasts raw bytes, reads receipts and the contract's settled record.
 */
public final class Web3SettlementChain implements SettlementChain {
  private final Chain chain;
  private final ConcentDeposits deposits;
  private final LocalSigningTransactionManager signer;
  private final Address account;

  public Web3SettlementChain(
      Chain chain, ConcentDeposits deposits, LocalSigningTransactionManager signer) {
    this.chain = chain;
    this.deposits = deposits;
    this.signer = signer;
    this.account = deposits.sender();
  }

  @Override
  public long pendingNonce() {
    return chain.pendingTransactionCount(account);
  }

  @Override
  public SignedSettlement signForcedAcceptance(List<Settlement> batch, long nonce) {
    List<Reimbursement> items =
        batch.stream().map(s -> new Reimbursement(s.notes().get(0), s.amount())).toList();
    GasQuote quote;
    try {
      quote = deposits.quoteReimburseForSubtasks(items);
    } catch (ContractRevertedException e) {
      if (e.is("ItemFailed")) {
        int index = ((BigInteger) e.argument(0)).intValueExact();
        String inner = e.innerError().map(ContractRevertedException::getMessage).orElse("");
        boolean used = e.innerError().map(i -> i.is("AlreadySettled")).orElse(false);
        throw new ItemRefusedException(index, inner.isEmpty() ? e.getMessage() : inner, used);
      }
      throw new ItemRefusedException(0, e.getMessage(), e.is("AlreadySettled"));
    }
    return signed(deposits.signReimburseForSubtasks(items, nonce, quote.gasLimit(), fees()));
  }

  @Override
  public SignedSettlement signForcedPayment(Settlement s, long nonce) {
    GasQuote quote;
    try {
      quote = deposits.quoteReimburseForNoPayment(s.notes(), s.amount(), s.closureTime());
    } catch (ContractRevertedException e) {
      throw new ItemRefusedException(0, e.getMessage(), e.is("AlreadySettled"));
    }
    return signed(
        deposits.signReimburseForNoPayment(
            s.notes(), s.amount(), s.closureTime(), nonce, quote.gasLimit(), fees()));
  }

  @Override
  public SignedSettlement signVerification(Settlement s, long nonce) {
    boolean price = s.useCase() == org.jgolem.concent.service.Claim.UseCase.ADDITIONAL_VERIFICATION;
    GasQuote quote;
    try {
      quote =
          price
              ? deposits.quoteReimburseForSubtask(s.notes().get(0), s.amount())
              : deposits.quoteReimburseForVerificationCosts(s.notes().get(0), s.amount());
    } catch (ContractRevertedException e) {
      throw new ItemRefusedException(0, e.getMessage(), e.is("AlreadySettled"));
    }
    return signed(
        price
            ? deposits.signReimburseForSubtask(
                s.notes().get(0), s.amount(), nonce, quote.gasLimit(), fees())
            : deposits.signReimburseForVerificationCosts(
                s.notes().get(0), s.amount(), nonce, quote.gasLimit(), fees()));
  }

  private TxFees fees() {
    return signer.currentFees();
  }

  private static SignedSettlement signed(SignedTransaction t) {
    return new SignedSettlement(t.hash(), t.raw(), t.nonce());
  }

  @Override
  public Sent broadcast(String raw) {
    Broadcast b = signer.broadcast(raw);
    if (b.inPool()) {
      return Sent.IN_POOL;
    }
    return b.status() == Broadcast.Status.NONCE_TOO_LOW ? Sent.NONCE_USED : Sent.REFUSED;
  }

  @Override
  public Optional<Receipt> receipt(String transactionHash) {
    Optional<TxReceipt> r = chain.receipt(transactionHash);
    return r.map(x -> new Receipt(x.success(), x.gasUsed(), x.blockNumber()));
  }
}
