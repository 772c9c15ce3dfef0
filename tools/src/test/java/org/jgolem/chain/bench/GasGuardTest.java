package org.jgolem.chain.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.jgolem.chain.testing.AnvilTest;
import org.junit.jupiter.api.Test;

/**
 * Fails the build if batch payments regress by more than 2% above issue #2's targets (7,300 gas per
 * existing payee, 24,400 per new payee), with the same measurement as {@code scripts/bench gas}.
 */
class GasGuardTest extends AnvilTest {
  private static final double TOLERANCE = 1.02;

  @Test
  void batchPaymentGasStaysWithinTwoPercentOfTheTargets() {
    GasMeasurement.Result r =
        GasMeasurement.measure(chain, deployment.token(), DEPLOYER, 20261121L);
    System.out.printf(
        "gas guard: existing %.1f new %.1f (without access list: %.1f / %.1f) per payment%n",
        r.perPaymentExisting(),
        r.perPaymentNew(),
        r.perPaymentExistingNoAccessList(),
        r.perPaymentNewNoAccessList());
    assertThat(r.perPaymentExisting())
        .as("gas per existing payee")
        .isLessThanOrEqualTo(GasMeasurement.TARGET_EXISTING * TOLERANCE);
    assertThat(r.perPaymentNew())
        .as("gas per new payee")
        .isLessThanOrEqualTo(GasMeasurement.TARGET_NEW * TOLERANCE);
    // The access list must pay for itself; otherwise the gateway should stop sending it.
    assertThat(r.perPaymentExisting()).isLessThan(r.perPaymentExistingNoAccessList());
    assertThat(r.perPaymentNew()).isLessThan(r.perPaymentNewNoAccessList());
    // A plain transfer stays an ordinary ERC20 transfer.
    assertThat(r.transferExisting()).isLessThan(40_000);
    assertThat(r.transferNew()).isLessThan(60_000);
  }
}
