package org.jgolem.chain.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jgolem.chain.Chain;
import org.jgolem.chain.ChainException;
import org.jgolem.chain.dev.DevAccounts;
import org.jgolem.eth.Address;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;

/**
 * {@code scripts/deploy}: deploys all contracts and writes the deployment file.
 *
 * <pre>
 * --rpc URL            JSON-RPC endpoint (default http://127.0.0.1:8545)
 * --out FILE           deployment file (default deployments/local.json)
 * --dev                anvil's well-known accounts: 0 deploys and holds GNT, 1 is Concent, 2 the cold wallet
 * --keystore FILE      otherwise: the deployer's V3 keystore; password from --password-file or JGOLEM_PASSWORD
 * --concent ADDR --coldwallet ADDR   roles (required without --dev)
 * --no-faucet          never deploy the faucet (it refuses non-test chains anyway)
 * </pre>
 */
public final class DeployMain {
  private DeployMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = parse(args);
    String rpc = opt.getOrDefault("rpc", "http://127.0.0.1:8545");
    Path out = Path.of(opt.getOrDefault("out", "deployments/local.json"));
    try (Chain chain = Chain.connect(rpc)) {
      Credentials deployer;
      Address concent;
      Address coldwallet;
      if (opt.containsKey("dev")) {
        deployer = DevAccounts.account(DevAccounts.DEPLOYER);
        concent =
            Address.of(
                opt.getOrDefault("concent", DevAccounts.account(DevAccounts.CONCENT).getAddress()));
        coldwallet =
            Address.of(
                opt.getOrDefault(
                    "coldwallet", DevAccounts.account(DevAccounts.COLDWALLET).getAddress()));
      } else {
        deployer = loadKeystore(opt);
        concent = Address.of(require(opt, "concent"));
        coldwallet = Address.of(require(opt, "coldwallet"));
      }
      Address me = Address.of(deployer.getAddress());
      Deployer.Params p = Deployer.Params.devDefaults(me, concent, coldwallet);
      boolean faucet = !opt.containsKey("no-faucet") && isTestChain(chain.chainId());
      p =
          new Deployer.Params(
              p.tokenHolder(),
              p.totalSupply(),
              concent,
              coldwallet,
              p.withdrawalDelaySeconds(),
              p.maximumDepositAmount(),
              p.maximumDepositsTotal(),
              p.dailyReimbursementLimit(),
              faucet,
              p.faucetFunding());
      Deployment d = Deployer.deploy(chain, deployer, p);
      d.write(out);
      System.out.printf(
          "deployed on chain %d at block %d:%n  GolemNetworkToken   %s%n  GNTDeposit          %s%n"
              + "  ApplicationRegistry %s%n  GNTFaucet           %s%nwrote %s%n",
          d.chainId(),
          d.deploymentBlock(),
          d.contracts().token(),
          d.contracts().deposit(),
          d.contracts().registry(),
          d.contracts().faucet() == null ? "(none)" : d.contracts().faucet(),
          out.toAbsolutePath());
    } catch (ChainException | IllegalArgumentException e) {
      System.err.println("deploy failed: " + e.getMessage());
      System.exit(1);
    }
  }

  static boolean isTestChain(long id) {
    return id == 31337 || id == 1337 || id == 2018 || id == 1981;
  }

  private static Credentials loadKeystore(Map<String, String> opt) throws Exception {
    Path keystore = Path.of(require(opt, "keystore"));
    String password;
    if (opt.containsKey("password-file")) {
      password = Files.readString(Path.of(opt.get("password-file"))).strip();
    } else if (System.getenv("JGOLEM_PASSWORD") != null) {
      password = System.getenv("JGOLEM_PASSWORD");
    } else {
      throw new IllegalArgumentException(
          "the keystore password comes from --password-file FILE or JGOLEM_PASSWORD");
    }
    return WalletUtils.loadCredentials(password, keystore.toFile());
  }

  private static String require(Map<String, String> opt, String name) {
    String v = opt.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return v;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String key = a.substring(2);
      if (key.equals("dev") || key.equals("no-faucet")) {
        m.put(key, "true");
      } else if (i + 1 < args.length) {
        m.put(key, args[++i]);
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value");
      }
    }
    return m;
  }
}
