package org.jgolem.node.payments;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.jgolem.eth.Address;

/**
 * The requestor's account: its GNT and ether balances, and whether it can afford a new task.
 *
 * <p>A task is affordable when the GNT balance, less everything recorded and not yet paid out of it
 * ({@link PaymentProcessor}'s pending payments and batches not yet mined), covers the task's
 * maximum cost; and when the ether balance covers the gas the unmined batches may still spend plus
 * a reserve for the new task's payments ({@code gasReservePerTask} gas at the current max fee).
 * Held-back payments are not counted: no batch will pay them.
 */
public final class RequestorAccount {
  private final PaymentChain chain;
  private final PaymentProcessor processor;
  private final PaymentConfig config;

  public RequestorAccount(PaymentChain chain, PaymentProcessor processor, PaymentConfig config) {
    this.chain = chain;
    this.processor = processor;
    this.config = config;
  }

  public record Balances(Address account, BigInteger gnt, BigInteger eth) {}

  /**
   * The numbers behind {@link #canAfford}: GNT in base units, ether in wei.
   *
   * @param gntOwed recorded and not yet out of the balance
   * @param gntRequired the new task's maximum cost
   * @param ethRequired gas the unmined batches may still spend, plus the reserve for the new task
   */
  public record Affordability(
      BigInteger gntBalance,
      BigInteger gntOwed,
      BigInteger gntRequired,
      BigInteger ethBalance,
      BigInteger ethRequired) {
    public BigInteger gntAvailable() {
      return gntBalance.subtract(gntOwed);
    }

    public boolean gntSufficient() {
      return gntAvailable().compareTo(gntRequired) >= 0;
    }

    public boolean ethSufficient() {
      return ethBalance.compareTo(ethRequired) >= 0;
    }

    public boolean sufficient() {
      return gntSufficient() && ethSufficient();
    }
  }

  public Address address() {
    return chain.account();
  }

  public Balances balances() {
    return new Balances(
        chain.account(), chain.tokenBalance(chain.account()), chain.etherBalance(chain.account()));
  }

  public Affordability affordability(BigInteger maxCost) {
    if (maxCost == null || maxCost.signum() < 0) {
      throw new IllegalArgumentException(
          "a task's maximum cost must be zero or more, got " + maxCost);
    }
    // The ledger first, then the balances: a batch mined in between is then counted twice (refusing
    // too much), never not at all.
    BigInteger owed = processor.owedFromLatestBalance();
    BigInteger gasCost = processor.unminedGasCost();
    BigInteger gnt = chain.tokenBalance(chain.account());
    BigInteger eth = chain.etherBalance(chain.account());
    BigInteger reserve =
        BigInteger.valueOf(config.gasReservePerTask()).multiply(chain.fees().maxFee());
    return new Affordability(gnt, owed, maxCost, eth, gasCost.add(reserve));
  }

  public boolean canAfford(BigInteger maxCost) {
    return affordability(maxCost).sufficient();
  }

  /**
   * Throws unless a task of {@code maxCost} is affordable; the message names what is available and
   * what is needed.
   *
   * @param what the task, for the message
   */
  public Affordability requireAffordable(BigInteger maxCost, String what) {
    Affordability a = affordability(maxCost);
    if (!a.gntSufficient()) {
      throw new InsufficientFundsException(
          InsufficientFundsException.Currency.GNT,
          a.gntAvailable(),
          a.gntRequired(),
          "cannot start "
              + what
              + ": it may cost up to "
              + decimal(a.gntRequired())
              + " GNT but only "
              + decimal(a.gntAvailable())
              + " GNT is free (balance "
              + decimal(a.gntBalance())
              + " GNT less "
              + decimal(a.gntOwed())
              + " GNT recorded and not yet paid) on "
              + chain.account());
    }
    if (!a.ethSufficient()) {
      throw new InsufficientFundsException(
          InsufficientFundsException.Currency.ETH,
          a.ethBalance(),
          a.ethRequired(),
          "cannot start "
              + what
              + ": paying for it needs up to "
              + decimal(a.ethRequired())
              + " ETH of gas but "
              + chain.account()
              + " holds "
              + decimal(a.ethBalance())
              + " ETH");
    }
    return a;
  }

  /** Base units of an 18-decimal currency (GNT, ether) as a plain decimal. */
  static String decimal(BigInteger baseUnits) {
    return new BigDecimal(baseUnits, 18).stripTrailingZeros().toPlainString();
  }
}
