package org.jgolem.chain;

import java.util.List;

/**
 * A contract reverted. Carries the decoded custom error (for example {@code PaymentToZeroAddress}
 * with its index), a {@code require} string as {@code Error}, or a {@code Panic} code.
 */
public final class ContractRevertedException extends ChainException {
  private final String errorName;
  private final List<Object> arguments;
  private final String rawData;
  private final ContractRevertedException inner;

  public ContractRevertedException(
      String errorName, List<Object> arguments, String rawData, String context) {
    this(errorName, arguments, rawData, context, null);
  }

  /**
   * An error that wraps another, e.g. {@code ItemFailed(index, reason)} of a batch: {@code inner}
   * is {@code reason} decoded.
   */
  public ContractRevertedException(
      String errorName,
      List<Object> arguments,
      String rawData,
      String context,
      ContractRevertedException inner) {
    super(
        Reason.REVERTED,
        context
            + " reverted: "
            + errorName
            + arguments
            + (inner == null ? "" : " wrapping " + inner.errorName + inner.arguments));
    this.errorName = errorName;
    this.arguments = List.copyOf(arguments);
    this.rawData = rawData;
    this.inner = inner;
  }

  /**
   * The error's name, e.g. {@code InsufficientBalance}; {@code "Unknown"} if it could not be
   * decoded.
   */
  public String errorName() {
    return errorName;
  }

  /**
   * Decoded arguments: BigInteger for integers, String (0x hex) for addresses and bytes, Boolean,
   * String.
   */
  public List<Object> arguments() {
    return arguments;
  }

  public Object argument(int i) {
    return arguments.get(i);
  }

  /** The revert data as 0x hex, or "0x" when the node returned none. */
  public String rawData() {
    return rawData;
  }

  /**
   * The error wrapped in this one's last argument when it is {@code bytes} holding revert data (the
   * failing item's own error in {@code ItemFailed(index, reason)}); empty otherwise.
   */
  public java.util.Optional<ContractRevertedException> innerError() {
    return java.util.Optional.ofNullable(inner);
  }

  public boolean is(String name) {
    return errorName.equals(name);
  }
}
