package org.jgolem.node.demo;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.FaucetGateway;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.eth.TxResult;
import org.jgolem.node.payments.batch.BatchBuilder;
import org.jgolem.node.payments.batch.BatchPlan;
import org.jgolem.node.payments.batch.Payment;
import org.web3j.crypto.Credentials;

/**
 * The on-chain part of the demo: a requestor takes test GNT from the faucet, makes its Concent
 * deposit in one transaction, and pays three providers in one batch.
 */
public final class PaymentDemo {
  private static final BigInteger GNT = BigInteger.TEN.pow(18);

  private PaymentDemo() {}

  public static void main(String[] args) {
    Deployment d = Deployment.read(Path.of(args[0]));
    try (Chain chain = Chain.connect(d.rpcUrl())) {
      d.verify(chain);
      Credentials requestor = DevAccounts.account(3);
      List<Credentials> providers =
          List.of(DevAccounts.account(4), DevAccounts.account(5), DevAccounts.account(6));
      GntToken token = new GntTokenGateway(chain, d.token(), requestor);

      new FaucetGateway(chain, d.faucet(), requestor).drip();
      System.out.printf(
          "requestor %s took %s GNT from the faucet%n",
          addr(requestor), gnt(token.balanceOf(addr(requestor))));
      BigInteger deposit = GNT.multiply(BigInteger.valueOf(100));
      token.transferAndCall(d.deposit(), deposit, new byte[0]);
      System.out.printf(
          "requestor deposited %s GNT for Concent in one transaction (transferAndCall); deposit now %s GNT%n",
          gnt(deposit),
          gnt(
              new ConcentDepositsGateway(chain, d.deposit(), requestor)
                  .balanceOf(addr(requestor))));

      List<BigInteger> before = new ArrayList<>();
      List<Payment> owed = new ArrayList<>();
      long[] milli = {1500, 2250, 750};
      for (int i = 0; i < providers.size(); i++) {
        before.add(token.balanceOf(addr(providers.get(i))));
        owed.add(
            new Payment(
                addr(providers.get(i)),
                GNT.multiply(BigInteger.valueOf(milli[i])).divide(BigInteger.valueOf(1000))));
      }
      owed.add(new Payment(Address.ZERO, GNT)); // a bad payee: held back, blocks nobody (TOB-14)
      BatchPlan plan = new BatchBuilder(addr(requestor), d.token(), 100).plan(owed);
      plan.heldBack()
          .forEach(h ->
              System.out.printf(
                  "held back: %s GNT to %s (%s)%n",
                  gnt(h.payment().amount()), h.payment().payee(), h.reason()));
      TxResult tx =
          token.batchTransfer(plan.batches().get(0).payments(), chain.latestBlockTimestamp());
      int n = plan.batches().get(0).payments().size();
      System.out.printf(
          "batch payment %s: %d payments, gas %d (%d per payment beyond the 21000 base)%n",
          tx.hash(), n, tx.gasUsed(), (tx.gasUsed() - 21_000) / n);
      System.out.println("provider                                     before GNT     after GNT");
      for (int i = 0; i < providers.size(); i++) {
        System.out.printf(
            "%s %12s %13s%n",
            addr(providers.get(i)),
            gnt(before.get(i)),
            gnt(token.balanceOf(addr(providers.get(i)))));
      }
    }
  }

  private static Address addr(Credentials c) {
    return Address.of(c.getAddress());
  }

  private static String gnt(BigInteger baseUnits) {
    return new BigDecimal(baseUnits, 18).stripTrailingZeros().toPlainString();
  }
}
