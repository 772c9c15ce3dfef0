package org.jgolem.concent.service;

import java.math.BigInteger;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jgolem.concent.verify.Recomputer;

/**
 * What Concent needs to serve use case 5, given from outside: the re-computation, the executor it
 * runs on (never a request thread), the storage of the uploads, and Concent's verification fee
 * (token base units), which the provider's note must cover.
 */
public record AdditionalVerification(
    Recomputer recomputer, Executor executor, VerificationFiles files, BigInteger fee) {
  public AdditionalVerification {
    Objects.requireNonNull(recomputer, "recomputer");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(fee, "fee");
    if (fee.signum() <= 0) {
      throw new IllegalArgumentException("the verification fee must be positive: " + fee);
    }
  }
}
