package org.jgolem.chain.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jgolem.testkit.Anvil;
import org.junit.jupiter.api.Test;

class DevAccountsTest {
  @Test
  void derivesTheWellKnownDevChainAccounts() {
    // The first accounts anvil and Hardhat print for the "test test ... junk" mnemonic.
    assertThat(DevAccounts.account(0).getAddress())
        .isEqualToIgnoringCase("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assertThat(DevAccounts.account(1).getAddress())
        .isEqualToIgnoringCase("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assertThat(DevAccounts.account(2).getAddress())
        .isEqualToIgnoringCase("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  }

  @Test
  void theTestKitsAnvilFundsTheseAccounts() {
    assertThat(Anvil.MNEMONIC).isEqualTo(DevAccounts.MNEMONIC);
  }

  @Test
  void refusesIndexesOutOfRange() {
    assertThatThrownBy(() -> DevAccounts.account(-1)).hasMessageContaining("out of");
    assertThatThrownBy(() -> DevAccounts.account(64)).hasMessageContaining("out of");
  }
}
