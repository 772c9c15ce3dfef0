package org.jgolem.chain.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jgolem.chain.Chain;
import org.jgolem.chain.contracts.ConcentDeposits;
import org.jgolem.chain.contracts.ConcentDeposits.Reimbursement;
import org.jgolem.chain.contracts.ConcentDepositsGateway;
import org.jgolem.chain.contracts.GntToken;
import org.jgolem.chain.contracts.GntTokenGateway;
import org.jgolem.chain.deploy.Deployment;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.web3j.crypto.Credentials;

/**
 * Gas per settled ForceSubtaskResults case, Golem's way (one {@code reimburseForSubtask}
 * transaction per subtask) against ours ({@code reimburseForSubtasks}, one transaction for N), in
 * the same run on the same chain.
 *
 * <p>For each N, N cases are drawn from a seeded generator: one of the requestors (each with a
 * deposit), one of {@link #PROVIDERS} providers that already hold GNT (the steady state: a provider
 * paid once before), a note of 0.001..1 GNT paid in full. The baseline settles N such cases one
 * transaction each; the batch settles N others, ordered by requestor then provider as Concent sends
 * them, in one transaction. Gas per subtask is the transactions' whole {@code gasUsed} (21,000 base
 * included) divided by N.
 */
public final class SettlementGasMeasurement {
  public static final int PROVIDERS = 10;

  /** Gas per subtask at one N: one transaction each, and one batch. */
  public record Point(int subtasks, double perSubtaskSingle, double perSubtaskBatch) {}

  private final Chain chain;
  private final Deployment deployment;
  private final ConcentDeposits concent;
  private final List<Credentials> requestors;
  private final NoteSigner signer;
  private final SplittableRandom random;
  private final List<Address> providers = new ArrayList<>();

  private SettlementGasMeasurement(
      Chain chain,
      Deployment deployment,
      Credentials concent,
      List<Credentials> requestors,
      long seed) {
    this.chain = chain;
    this.deployment = deployment;
    this.concent = new ConcentDepositsGateway(chain, deployment.deposit(), concent);
    this.requestors = List.copyOf(requestors);
    this.signer = new NoteSigner(chain.chainId(), deployment.deposit());
    this.random = new SplittableRandom(seed);
  }

  /**
   * Funds and deposits for {@code requestors} from {@code funder} (which holds GNT), gives the
   * providers a first payment, then measures each N of {@code sizes}. {@code concent} must be the
   * deployment's Concent account.
   */
  public static List<Point> measure(
      Chain chain,
      Deployment deployment,
      Credentials funder,
      Credentials concent,
      List<Credentials> requestors,
      List<Integer> sizes,
      long seed) {
    SettlementGasMeasurement m =
        new SettlementGasMeasurement(chain, deployment, concent, requestors, seed);
    m.setUp(funder, sizes.stream().mapToInt(Integer::intValue).sum());
    List<Point> out = new ArrayList<>();
    for (int n : sizes) {
      out.add(m.point(n));
    }
    return out;
  }

  private void setUp(Credentials funder, int totalSubtasks) {
    GntToken funds = new GntTokenGateway(chain, deployment.token(), funder);
    // each requestor can pay every case of the run at the maximum of 1 GNT
    BigInteger perRequestor =
        BigInteger.TEN.pow(18).multiply(BigInteger.valueOf(2L * totalSubtasks));
    List<PackedPayment> start = new ArrayList<>();
    for (Credentials r : requestors) {
      start.add(new PackedPayment(Address.of(r.getAddress()), perRequestor));
    }
    for (int i = 0; i < PROVIDERS; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      providers.add(Address.of(b));
      start.add(new PackedPayment(providers.get(i), BigInteger.ONE));
    }
    funds.batchTransfer(start, chain.latestBlockTimestamp());
    for (Credentials r : requestors) {
      new GntTokenGateway(chain, deployment.token(), r)
          .transferAndCall(deployment.deposit(), perRequestor, new byte[0]);
    }
    // The first reimbursement ever also initialises the contract's daily-limit record (two slots
    // from zero, about 40,000 gas once): made here, so that it is counted in neither figure.
    Reimbursement first = cases(1).get(0);
    concent.reimburseForSubtask(first.note(), first.reimburseAmount());
  }

  private Point point(int n) {
    long single = 0;
    for (Reimbursement r : cases(n)) {
      single += concent.reimburseForSubtask(r.note(), r.reimburseAmount()).gasUsed();
    }
    List<Reimbursement> batch = ConcentDeposits.cheapestOrder(cases(n));
    long batched = concent.reimburseForSubtasks(batch).gasUsed();
    return new Point(n, single / (double) n, batched / (double) n);
  }

  private List<Reimbursement> cases(int n) {
    List<Reimbursement> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Credentials requestor = requestors.get(random.nextInt(requestors.size()));
      Address provider = providers.get(random.nextInt(providers.size()));
      BigInteger amount =
          BigInteger.valueOf(random.nextLong(1_000_000_000_000_000L, 1_000_000_000_000_000_000L));
      byte[] subtask = new byte[32];
      random.nextBytes(subtask);
      SignedNote note =
          signer.sign(
              new PromissoryNote(
                  Address.of(requestor.getAddress()),
                  provider,
                  amount,
                  subtask,
                  Purpose.SUBTASK_PAYMENT),
              requestor.getEcKeyPair());
      out.add(new Reimbursement(note, amount));
    }
    return out;
  }
}
