package org.jgolem.chain.bench;

import java.util.List;
import org.jgolem.chain.Chain;
import org.jgolem.chain.deploy.Deployer;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.jgolem.testkit.Anvil;
import org.web3j.crypto.Credentials;

/**
 * The settlement half of {@code scripts/bench concent}: deploys to a fresh anvil and prints gas per
 * settled ForceSubtaskResults case, batched ({@code reimburseForSubtasks}, N subtasks in one
 * transaction) beside Golem's one {@code reimburseForSubtask} transaction per subtask, measured in
 * the same run ({@link SettlementGasMeasurement}). Optional argument: N (50).
 */
public final class SettlementGasBench {
  private SettlementGasBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    try (Anvil dev = Anvil.start(8);
        Chain chain = Chain.connect(dev.rpcUrl())) {
      Credentials deployer = DevAccounts.account(DevAccounts.DEPLOYER);
      Credentials concent = DevAccounts.account(DevAccounts.CONCENT);
      Address me = Address.of(deployer.getAddress());
      Deployment d =
          Deployer.deploy(
              chain,
              deployer,
              Deployer.Params.devDefaults(me, Address.of(concent.getAddress()), me));
      List<Credentials> requestors =
          List.of(
              DevAccounts.account(3),
              DevAccounts.account(4),
              DevAccounts.account(5),
              DevAccounts.account(6));
      SettlementGasMeasurement.Point p =
          SettlementGasMeasurement.measure(
                  chain, d, deployer, concent, requestors, List.of(n), 20261207L)
              .get(0);
      System.out.println(line(p));
    }
  }

  /**
   * {@code concent settle-gas-per-subtask=B baseline-one-tx-each=S subtasks=N}: the batch's gas per
   * subtask beside the baseline's.
   */
  public static String line(SettlementGasMeasurement.Point p) {
    return String.format(
        "concent settle-gas-per-subtask=%d baseline-one-tx-each=%d subtasks=%d",
        Math.round(p.perSubtaskBatch()), Math.round(p.perSubtaskSingle()), p.subtasks());
  }
}
