package org.jgolem.node.cli;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Token amounts for people: wei (a decimal string, as the API sends them) shown in whole tokens,
 * exactly.
 */
final class Amounts {
  static final int DECIMALS = 18;

  private Amounts() {}

  /**
   * {@code "1500000000000000000"} becomes {@code "1.5 GNT"}; 1 wei becomes {@code
   * "0.000000000000000001 GNT"}.
   */
  static String gnt(String wei) {
    return tokens(wei, "GNT");
  }

  static String eth(String wei) {
    return tokens(wei, "ETH");
  }

  static String tokens(String wei, String symbol) {
    if (wei == null) {
      return "-";
    }
    BigInteger units;
    try {
      units = new BigInteger(wei.strip());
    } catch (NumberFormatException e) {
      throw new CliException(
          "the node sent a malformed amount '" + wei + "' (expected a whole number of wei)");
    }
    BigDecimal whole = new BigDecimal(units, DECIMALS);
    String text = units.signum() == 0 ? "0" : whole.stripTrailingZeros().toPlainString();
    return text + " " + symbol;
  }
}
