package org.jgolem.node.concent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deposit commands' checks, on a fake account (the anvil-backed test is DepositApiAnvilTest).
 */
@Timeout(10)
class OwnDepositTest {
  static final Address ME = Address.of("0x" + "11".repeat(20));

  /** A contract in memory, with the chain's time set by the test. */
  static final class FakeAccount implements DepositAccount {
    BigInteger balance = BigInteger.ZERO;
    long timelock;
    long now = 1_000;
    final List<String> sent = new ArrayList<>();

    @Override
    public Deposit depositOf(Address owner) {
      return owner.equals(ME) ? new Deposit(balance, timelock) : Deposit.NONE;
    }

    @Override
    public Address owner() {
      return ME;
    }

    @Override
    public long chainTime() {
      return now;
    }

    @Override
    public long withdrawalDelaySeconds() {
      return 600;
    }

    @Override
    public String deposit(BigInteger amount) {
      balance = balance.add(amount);
      sent.add("deposit " + amount);
      return "0xd";
    }

    @Override
    public String unlock() {
      timelock = now + 600;
      sent.add("unlock");
      return "0xu";
    }

    @Override
    public String withdraw() {
      balance = BigInteger.ZERO;
      timelock = 0;
      sent.add("withdraw");
      return "0xw";
    }
  }

  final FakeAccount chain = new FakeAccount();
  final OwnDeposit own = new OwnDeposit(chain);

  @Test
  void aDepositGoesThroughLockedAndUnlockingToUnlocked() {
    assertThat(own.status().state()).isEqualTo(OwnDeposit.State.LOCKED);
    assertThat(own.status().reserved()).as("unknown until Concent is configured").isEmpty();
    OwnDeposit.Done d = own.deposit(BigInteger.TEN);
    assertThat(d.txHash()).isEqualTo("0xd");
    assertThat(d.status().balance()).isEqualTo(BigInteger.TEN);
    OwnDeposit.Done u = own.unlock();
    assertThat(u.status().state()).isEqualTo(OwnDeposit.State.UNLOCKING);
    assertThat(u.status().timelock()).isEqualTo(1_600);
    chain.now = 1_599;
    assertThat(own.status().state()).isEqualTo(OwnDeposit.State.UNLOCKING);
    chain.now = 1_600;
    assertThat(own.status().state())
        .as("at the timelock, as the contract")
        .isEqualTo(OwnDeposit.State.UNLOCKED);
    OwnDeposit.Done w = own.withdraw();
    assertThat(w.status().balance()).isZero();
    assertThat(chain.sent).containsExactly("deposit 10", "unlock", "withdraw");
  }

  @Test
  void whatTheContractWouldRefuseIsRefusedFirstInWords() {
    assertThatThrownBy(() -> own.deposit(BigInteger.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(own::unlock)
        .isInstanceOf(DepositException.class)
        .hasMessageContaining("no Concent deposit");
    assertThatThrownBy(own::withdraw)
        .isInstanceOf(DepositException.class)
        .hasMessageContaining("balance is 0");
    own.deposit(BigInteger.TEN);
    assertThatThrownBy(own::withdraw)
        .isInstanceOf(DepositException.class)
        .hasMessageContaining("is locked: run 'golem concent unlock' first")
        .hasMessageContaining("600 s after that");
    own.unlock();
    assertThatThrownBy(own::unlock)
        .isInstanceOf(DepositException.class)
        .hasMessageContaining("already unlocked")
        .hasMessageContaining("1970-01-01T00:26:40Z");
    chain.now = 1_599;
    assertThatThrownBy(own::withdraw)
        .isInstanceOf(DepositException.class)
        .hasMessageContaining("still locked until 1970-01-01T00:26:40Z (in 1 s");
    assertThat(chain.sent).containsExactly("deposit 10", "unlock");
  }
}
