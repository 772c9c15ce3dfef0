package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ContractRevertedException;
import org.jgolem.chain.Rpc;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.contracts.generated.GNTFaucet;
import org.jgolem.contracts.generated.GolemNetworkToken;
import org.jgolem.eth.Address;
import org.jgolem.eth.LogEntry;
import org.jgolem.eth.TxResult;
import org.jgolem.testkit.Anvil;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Credentials;
import org.web3j.tx.gas.StaticEIP1559GasProvider;
import org.web3j.utils.Numeric;

/** GNTFaucet on a real anvil, plus its refusal to be deployed on chain id 1. */
class FaucetTest extends AnvilTest {
  private static final BigInteger DRIP = gnt(1000);

  private static FaucetGateway faucet(Credentials as) {
    return new FaucetGateway(chain, deployment.faucet(), as);
  }

  private static StaticEIP1559GasProvider gas(Chain c) {
    return new StaticEIP1559GasProvider(
        c.chainId(), BigInteger.ONE, BigInteger.ONE, BigInteger.ONE);
  }

  /**
   * A second faucet for the same token, deployed through the generated wrapper and holding nothing.
   */
  private static Address unfundedFaucet() {
    GNTFaucet f =
        Rpc.call(
            "deploy GNTFaucet",
            () ->
                GNTFaucet.deploy(
                        chain.web3j(), chain.signer(DEPLOYER), gas(chain), deployment.token().hex())
                    .send());
    return Address.of(f.getContractAddress());
  }

  private static String topic(Address a) {
    return "0x" + "0".repeat(24) + a.hex().substring(2);
  }

  private static List<LogEntry> logs(TxResult tx, Address contract, String topic0) {
    return tx.logs().stream()
        .filter(l -> l.contract().equals(contract) && l.topics().get(0).equals(topic0))
        .toList();
  }

  @Test
  void deployedFaucetIsFundedAndPointsAtTheToken() throws Exception {
    assertThat(deployment.faucet()).isNotNull();
    assertThat(token(DEPLOYER).balanceOf(deployment.faucet())).isEqualTo(params.faucetFunding());
    GNTFaucet g =
        GNTFaucet.load(
            deployment.faucet().hex(), chain.web3j(), chain.signer(DEPLOYER), gas(chain));
    assertThat(Address.of(g.token().send())).isEqualTo(deployment.token());
    assertThat(faucet(user(0)).dripAmount())
        .isEqualTo(DRIP)
        .isEqualTo(new BigInteger("1000000000000000000000"));
  }

  @Test
  void dripGivesExactly1000Gnt() {
    Address me = addr(user(0));
    Address f = deployment.faucet();
    BigInteger supply = token(DEPLOYER).totalSupply();
    BigInteger before = token(DEPLOYER).balanceOf(f);
    assertThat(token(DEPLOYER).balanceOf(me)).isZero();

    TxResult tx = faucet(user(0)).drip();

    assertThat(token(DEPLOYER).balanceOf(me)).isEqualTo(DRIP);
    assertThat(token(DEPLOYER).balanceOf(f)).isEqualTo(before.subtract(DRIP));
    assertThat(token(DEPLOYER).totalSupply()).isEqualTo(supply);

    List<LogEntry> dripped = logs(tx, f, EventEncoder.encode(GNTFaucet.DRIPPED_EVENT));
    assertThat(dripped).hasSize(1);
    assertThat(dripped.get(0).topics())
        .containsExactly(EventEncoder.encode(GNTFaucet.DRIPPED_EVENT), topic(me));
    assertThat(Numeric.toBigInt(dripped.get(0).data())).isEqualTo(DRIP);

    List<LogEntry> transfers =
        logs(tx, deployment.token(), EventEncoder.encode(GolemNetworkToken.TRANSFER_EVENT));
    assertThat(transfers).hasSize(1);
    assertThat(transfers.get(0).topics())
        .containsExactly(
            EventEncoder.encode(GolemNetworkToken.TRANSFER_EVENT), topic(f), topic(me));
    assertThat(Numeric.toBigInt(transfers.get(0).data())).isEqualTo(DRIP);
  }

  @Test
  void secondDripIsRefused() {
    faucet(user(0)).drip();
    var e = reverts("BalanceAlreadySufficient", () -> faucet(user(0)).drip());
    assertThat(e.arguments()).containsExactly(addr(user(0)).hex(), DRIP);
    assertThat(token(DEPLOYER).balanceOf(addr(user(0)))).isEqualTo(DRIP);
  }

  @Test
  void anyoneHoldingAtLeastTheDripAmountIsRefused() {
    token(DEPLOYER).transfer(addr(user(1)), DRIP);
    assertThat(reverts("BalanceAlreadySufficient", () -> faucet(user(1)).drip()).arguments())
        .containsExactly(addr(user(1)).hex(), DRIP);
    BigInteger deployerBalance = token(DEPLOYER).balanceOf(addr(DEPLOYER));
    assertThat(reverts("BalanceAlreadySufficient", () -> faucet(DEPLOYER).drip()).arguments())
        .containsExactly(addr(DEPLOYER).hex(), deployerBalance);
  }

  @Test
  void aHolderOfOneBaseUnitLessThanTheDripAmountMayDrip() {
    BigInteger justBelow = DRIP.subtract(BigInteger.ONE);
    token(DEPLOYER).transfer(addr(user(2)), justBelow);
    faucet(user(2)).drip();
    assertThat(token(DEPLOYER).balanceOf(addr(user(2)))).isEqualTo(DRIP.add(justBelow));
  }

  @Test
  void afterSpendingBelowTheDripAmountAUserMayDripAgain() {
    faucet(user(0)).drip();
    token(user(0)).transfer(addr(user(1)), BigInteger.ONE);
    faucet(user(0)).drip();
    assertThat(token(DEPLOYER).balanceOf(addr(user(0))))
        .isEqualTo(DRIP.shiftLeft(1).subtract(BigInteger.ONE));
  }

  @Test
  void anUnfundedFaucetIsEmpty() {
    Address f = unfundedFaucet();
    assertThat(token(DEPLOYER).balanceOf(f)).isZero();
    var e = reverts("FaucetEmpty", () -> new FaucetGateway(chain, f, user(0)).drip());
    assertThat(e.arguments()).containsExactly(BigInteger.ZERO);
  }

  @Test
  void aFaucetHoldingLessThanOneDripIsEmptyAndOneDripDrainsItExactly() {
    Address f = unfundedFaucet();
    token(DEPLOYER).transfer(f, DRIP.subtract(BigInteger.ONE));
    var e = reverts("FaucetEmpty", () -> new FaucetGateway(chain, f, user(0)).drip());
    assertThat(e.arguments()).containsExactly(DRIP.subtract(BigInteger.ONE));
    assertThat(token(DEPLOYER).balanceOf(addr(user(0)))).isZero();

    token(DEPLOYER).transfer(f, BigInteger.ONE);
    new FaucetGateway(chain, f, user(0)).drip();
    assertThat(token(DEPLOYER).balanceOf(addr(user(0)))).isEqualTo(DRIP);
    assertThat(token(DEPLOYER).balanceOf(f)).isZero();

    assertThat(
            reverts("FaucetEmpty", () -> new FaucetGateway(chain, f, user(1)).drip()).arguments())
        .containsExactly(BigInteger.ZERO);
    // the user who already holds the drip amount is told that, not that the faucet is empty
    assertThat(
            reverts("BalanceAlreadySufficient", () -> new FaucetGateway(chain, f, user(0)).drip())
                .arguments())
        .containsExactly(addr(user(0)).hex(), DRIP);
  }

  @Test
  void contractKnowsExactlyTheFourTestChainIds() throws Exception {
    GNTFaucet g =
        GNTFaucet.load(
            deployment.faucet().hex(), chain.web3j(), chain.signer(DEPLOYER), gas(chain));
    for (long id : new long[] {31337, 1337, 2018, 1981}) {
      assertThat(g.isTestChain(BigInteger.valueOf(id)).send()).as("chain %d", id).isTrue();
    }
    for (long id : new long[] {0, 1, 5, 10, 56, 100, 137, 8453, 17000, 42161, 11155111, 31338}) {
      assertThat(g.isTestChain(BigInteger.valueOf(id)).send()).as("chain %d", id).isFalse();
    }
  }

  @Test
  void onChainId1TheFaucetIsRefusedWhileGntDeploysFine() {
    try (Anvil dev = Anvil.start(2, 1);
        Chain c = Chain.connect(dev.rpcUrl())) {
      assertThat(c.chainId()).isEqualTo(1);
      Deployer.Params withFaucet =
          Deployer.Params.devDefaults(addr(DEPLOYER), addr(CONCENT), addr(COLDWALLET));
      assertThat(withFaucet.faucet()).isTrue();

      // Deployer deploys token, deposit and registry, then the faucet's constructor refuses the
      // chain.
      ContractRevertedException e =
          assertThrows(
              ContractRevertedException.class, () -> Deployer.deploy(c, DEPLOYER, withFaucet));
      assertThat(e.errorName()).as(e.getMessage()).isEqualTo("NotATestChain");
      assertThat(e.arguments()).containsExactly(BigInteger.ONE);

      Deployer.Params noFaucet =
          new Deployer.Params(
              withFaucet.tokenHolder(),
              withFaucet.totalSupply(),
              withFaucet.concent(),
              withFaucet.coldwallet(),
              withFaucet.withdrawalDelaySeconds(),
              withFaucet.maximumDepositAmount(),
              withFaucet.maximumDepositsTotal(),
              withFaucet.dailyReimbursementLimit(),
              false,
              withFaucet.faucetFunding());
      Deployment d = Deployer.deploy(c, DEPLOYER, noFaucet);
      assertThat(d.chainId()).isEqualTo(1);
      assertThat(d.faucet()).isNull();
      d.verify(c);
      GntTokenGateway gnt = new GntTokenGateway(c, d.token(), DEPLOYER);
      assertThat(gnt.totalSupply()).isEqualTo(withFaucet.totalSupply());
      assertThat(gnt.balanceOf(addr(DEPLOYER))).isEqualTo(withFaucet.totalSupply());
      gnt.transfer(addr(CONCENT), gnt(3));
      assertThat(gnt.balanceOf(addr(CONCENT))).isEqualTo(gnt(3));

      // The generated wrapper's deploy is refused the same way, for the working token too.
      ContractRevertedException direct =
          reverts(
              "NotATestChain",
              () ->
                  Rpc.call(
                      "deploy GNTFaucet",
                      () ->
                          GNTFaucet.deploy(c.web3j(), c.signer(DEPLOYER), gas(c), d.token().hex())
                              .send()));
      assertThat(direct.arguments()).containsExactly(BigInteger.ONE);
    }
  }
}
