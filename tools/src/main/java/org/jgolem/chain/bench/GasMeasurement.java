package org.jgolem.chain.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.eth.TxResult;
import org.web3j.crypto.Credentials;

/**
 * Measures what issue #2's gas benchmark asks for, on a real chain, from one payer holding GNT.
 *
 * <p>Payees are 100 addresses drawn from a seeded generator (fresh: they hold no GNT). Amounts are
 * drawn uniformly from 0.001..1 GNT, realistic subtask payments, so calldata is not made cheap by
 * round numbers. The first batch pays the fresh payees ("new"), a second batch with new amounts
 * pays the same payees ("existing"). Per payment = (gasUsed - 21000) / 100, as the issue defines.
 */
public final class GasMeasurement {
  public static final int PAYMENTS = 100;
  public static final long TARGET_EXISTING = 7_300;
  public static final long TARGET_NEW = 24_400;

  public record Result(
      double perPaymentExisting,
      double perPaymentNew,
      double perPaymentExistingNoAccessList,
      double perPaymentNewNoAccessList,
      long transferExisting,
      long transferNew) {}

  private GasMeasurement() {}

  public static Result measure(Chain chain, Address tokenAddress, Credentials payer, long seed) {
    GntToken token = new GntTokenGateway(chain, tokenAddress, payer);
    SplittableRandom random = new SplittableRandom(seed);
    List<Address> payees = freshAddresses(random, PAYMENTS);
    List<Address> payeesB = freshAddresses(random, PAYMENTS);

    double perNew =
        perPayment(token.batchTransfer(batch(payees, random), chain.latestBlockTimestamp()));
    double perExisting =
        perPayment(token.batchTransfer(batch(payees, random), chain.latestBlockTimestamp()));
    double perNewPlain =
        perPayment(
            token.batchTransferWithoutAccessList(
                batch(payeesB, random), chain.latestBlockTimestamp()));
    double perExistingPlain =
        perPayment(
            token.batchTransferWithoutAccessList(
                batch(payeesB, random), chain.latestBlockTimestamp()));

    long transferExisting = token.transfer(payees.get(0), amount(random)).gasUsed();
    long transferNew = token.transfer(freshAddresses(random, 1).get(0), amount(random)).gasUsed();
    return new Result(
        perExisting, perNew, perExistingPlain, perNewPlain, transferExisting, transferNew);
  }

  private static double perPayment(TxResult tx) {
    return (tx.gasUsed() - 21_000) / (double) PAYMENTS;
  }

  private static List<PackedPayment> batch(List<Address> payees, SplittableRandom random) {
    List<PackedPayment> words = new ArrayList<>();
    for (Address p : payees) {
      words.add(new PackedPayment(p, amount(random)));
    }
    return words;
  }

  /** 0.001 .. 1 GNT in base units. */
  private static BigInteger amount(SplittableRandom random) {
    return BigInteger.valueOf(random.nextLong(1_000_000_000_000_000L, 1_000_000_000_000_000_000L));
  }

  private static List<Address> freshAddresses(SplittableRandom random, int n) {
    List<Address> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      out.add(Address.of(b));
    }
    return out;
  }
}
