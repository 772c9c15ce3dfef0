package org.jgolem.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jgolem.chain.contracts.DepositTestKit.hex;
import static org.jgolem.chain.contracts.DepositTestKit.note;
import static org.jgolem.chain.contracts.DepositTestKit.recover;
import static org.jgolem.chain.contracts.DepositTestKit.signWithAnyKey;
import static org.jgolem.chain.contracts.DepositTestKit.subtask;

import java.math.BigInteger;
import java.util.List;
import org.jgolem.chain.testing.AnvilTest;
import org.jgolem.eth.Address;
import org.jgolem.protocol.notes.NoteSigner;
import org.jgolem.protocol.notes.PromissoryNote;
import org.jgolem.protocol.notes.Purpose;
import org.jgolem.protocol.notes.SignedNote;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * EIP-712 promissory notes: the Java signer hashes exactly like the contract, and the contract
 * refuses replays, other domains, malleable and malformed signatures, other signers and tampering.
 */
class NoteSignatureTest extends AnvilTest {
  private static final byte[] NO_DATA = new byte[0];

  private static NoteSigner signer() {
    return new NoteSigner(chain.chainId(), deployment.deposit());
  }

  private static void deposit(Credentials who, BigInteger amount) {
    token(DEPLOYER).transfer(addr(who), amount);
    token(who).transferAndCall(deployment.deposit(), amount, NO_DATA);
  }

  private static PromissoryNote payment(
      Credentials requestor, Credentials provider, BigInteger amount, String id) {
    return note(requestor, addr(provider), amount, subtask(id), Purpose.SUBTASK_PAYMENT);
  }

  private static String hexOf(Credentials c) {
    return addr(c).hex();
  }

  // ------------------------------------------------------------------ hashing agrees with the
  // contract

  @Test
  void domainSeparatorEqualsTheContracts() {
    assertThat(hex(signer().domainSeparator())).isEqualTo(hex(deposits(user(0)).domainSeparator()));
    // and it depends on chain id and contract address
    assertThat(hex(new NoteSigner(1, deployment.deposit()).domainSeparator()))
        .isNotEqualTo(hex(signer().domainSeparator()));
    assertThat(hex(new NoteSigner(chain.chainId(), deployment.token()).domainSeparator()))
        .isNotEqualTo(hex(signer().domainSeparator()));
  }

  @Test
  void digestEqualsTheContractsNoteDigestForEveryPurposeAndEdgeAmounts() {
    ConcentDepositsGateway d = deposits(user(0));
    BigInteger maxUint256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    List<PromissoryNote> notes =
        List.of(
            payment(user(0), user(1), gnt(30), "a"),
            note(
                user(1),
                deployment.deposit(),
                BigInteger.ONE,
                subtask("b"),
                Purpose.VERIFICATION_COST),
            note(
                user(2),
                deployment.deposit(),
                BigInteger.ZERO,
                subtask("c"),
                Purpose.COMMUNICATION),
            note(user(0), Address.ZERO, maxUint256, new byte[32], Purpose.SUBTASK_PAYMENT));
    for (PromissoryNote n : notes) {
      assertThat(hex(signer().digest(n))).as(n.toString()).isEqualTo(hex(d.noteDigest(n)));
    }
    // every field is part of the digest
    PromissoryNote base = notes.get(0);
    List<PromissoryNote> variants =
        List.of(
            new PromissoryNote(
                addr(user(3)), base.payee(), base.amount(), base.subtaskId(), base.purpose()),
            new PromissoryNote(
                base.payer(), addr(user(3)), base.amount(), base.subtaskId(), base.purpose()),
            new PromissoryNote(
                base.payer(),
                base.payee(),
                base.amount().add(BigInteger.ONE),
                base.subtaskId(),
                base.purpose()),
            new PromissoryNote(
                base.payer(), base.payee(), base.amount(), subtask("other"), base.purpose()),
            new PromissoryNote(
                base.payer(),
                base.payee(),
                base.amount(),
                base.subtaskId(),
                Purpose.COMMUNICATION));
    for (PromissoryNote v : variants) {
      assertThat(hex(d.noteDigest(v))).as(v.toString()).isNotEqualTo(hex(d.noteDigest(base)));
      assertThat(hex(signer().digest(v))).isEqualTo(hex(d.noteDigest(v)));
    }
  }

  @Test
  void javaRecoverFindsThePayerAndAppliesTheContractsRules() {
    PromissoryNote n = payment(user(0), user(1), gnt(5), "r");
    SignedNote s = signer().sign(n, user(0).getEcKeyPair());
    assertThat(s.v()).isIn(27, 28);
    assertThat(new BigInteger(1, s.s())).isLessThanOrEqualTo(NoteSigner.CURVE_ORDER.shiftRight(1));
    assertThat(signer().recover(s)).isEqualTo(addr(user(0)));
    assertThatThrownBy(() -> signer().recover(NoteSigner.highS(s)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> signer().recover(new SignedNote(n, 29, s.r(), s.s())))
        .isInstanceOf(IllegalArgumentException.class);
    // the signer refuses a key that is not the payer's
    assertThatThrownBy(() -> signer().sign(n, user(1).getEcKeyPair()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ replays

  @Test
  void aReplayedNoteRevertsWithAlreadySettled() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    SignedNote s =
        signer().sign(payment(requestor, provider, gnt(10), "once"), requestor.getEcKeyPair());
    deposits(CONCENT).reimburseForSubtask(s, gnt(4));

    var e = reverts("AlreadySettled", () -> deposits(CONCENT).reimburseForSubtask(s, gnt(4)));
    assertThat(e.arguments())
        .containsExactly(hexOf(requestor), hex(subtask("once")), BigInteger.ZERO);
    // not even for the rest of the note's amount
    reverts("AlreadySettled", () -> deposits(CONCENT).reimburseForSubtask(s, gnt(6)));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(96));
    assertThat(token(DEPLOYER).balanceOf(addr(provider))).isEqualTo(gnt(4));
  }

  @Test
  void replayedFeeNotesRevertWithAlreadySettled() {
    Credentials payer = user(0);
    deposit(payer, gnt(100));
    SignedNote v =
        signer()
            .sign(
                note(payer, deployment.deposit(), gnt(2), subtask("f"), Purpose.VERIFICATION_COST),
                payer.getEcKeyPair());
    SignedNote c =
        signer()
            .sign(
                note(payer, deployment.deposit(), gnt(1), subtask("f"), Purpose.COMMUNICATION),
                payer.getEcKeyPair());
    deposits(CONCENT).reimburseForVerificationCosts(v, gnt(2));
    deposits(CONCENT).reimburseForCommunication(c, gnt(1));
    var ev =
        reverts("AlreadySettled", () -> deposits(CONCENT).reimburseForVerificationCosts(v, gnt(2)));
    assertThat(ev.arguments()).containsExactly(hexOf(payer), hex(subtask("f")), BigInteger.ONE);
    var ec =
        reverts("AlreadySettled", () -> deposits(CONCENT).reimburseForCommunication(c, gnt(1)));
    assertThat(ec.arguments()).containsExactly(hexOf(payer), hex(subtask("f")), BigInteger.TWO);
    assertThat(token(DEPLOYER).balanceOf(addr(COLDWALLET))).isEqualTo(gnt(3));
  }

  @Test
  void aSubtaskPaidByReimburseForSubtaskCannotBePaidAgainByForcePayment() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    SignedNote first =
        signer().sign(payment(requestor, provider, gnt(10), "x"), requestor.getEcKeyPair());
    deposits(CONCENT).reimburseForSubtask(first, gnt(10));

    // another note (another amount) for the same subtask, inside a ForcePayment with a fresh
    // subtask
    SignedNote second =
        signer().sign(payment(requestor, provider, gnt(12), "x"), requestor.getEcKeyPair());
    SignedNote fresh =
        signer().sign(payment(requestor, provider, gnt(5), "y"), requestor.getEcKeyPair());
    var e =
        reverts(
            "AlreadySettled",
            () -> deposits(CONCENT).reimburseForNoPayment(List.of(fresh, second), gnt(17), now()));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), hex(subtask("x")), BigInteger.ZERO);
    // the whole call reverted: the fresh subtask is still open
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("y"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
    assertThat(token(DEPLOYER).balanceOf(addr(provider))).isEqualTo(gnt(10));
  }

  @Test
  void aSubtaskPaidByForcePaymentCannotBePaidAgainByReimburseForSubtask() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    SignedNote forced =
        signer().sign(payment(requestor, provider, gnt(10), "x"), requestor.getEcKeyPair());
    deposits(CONCENT).reimburseForNoPayment(List.of(forced), gnt(10), now());
    var e = reverts("AlreadySettled", () -> deposits(CONCENT).reimburseForSubtask(forced, gnt(10)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), hex(subtask("x")), BigInteger.ZERO);
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(90));
  }

  @Test
  void isSettledFlipsOnlyForThePayerSubtaskAndPurposeThatWereSettled() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    deposit(provider, gnt(100));
    ConcentDeposits d = deposits(CONCENT);
    Address payer = addr(requestor);
    byte[] id = subtask("k");
    assertThat(d.isSettled(payer, id, Purpose.SUBTASK_PAYMENT)).isFalse();

    d.reimburseForSubtask(
        signer().sign(payment(requestor, provider, gnt(1), "k"), requestor.getEcKeyPair()), gnt(1));

    assertThat(d.isSettled(payer, id, Purpose.SUBTASK_PAYMENT)).isTrue();
    assertThat(d.isSettled(payer, id, Purpose.VERIFICATION_COST)).isFalse();
    assertThat(d.isSettled(payer, id, Purpose.COMMUNICATION)).isFalse();
    assertThat(d.isSettled(addr(provider), id, Purpose.SUBTASK_PAYMENT)).isFalse();
    assertThat(d.isSettled(payer, subtask("k2"), Purpose.SUBTASK_PAYMENT)).isFalse();

    // the same subtask id for another payer and another purpose is a separate settlement
    d.reimburseForVerificationCosts(
        signer()
            .sign(
                note(provider, deployment.deposit(), gnt(1), id, Purpose.VERIFICATION_COST),
                provider.getEcKeyPair()),
        gnt(1));
    assertThat(d.isSettled(addr(provider), id, Purpose.VERIFICATION_COST)).isTrue();
    assertThat(d.isSettled(addr(provider), id, Purpose.SUBTASK_PAYMENT)).isFalse();
    assertThat(d.isSettled(payer, id, Purpose.VERIFICATION_COST)).isFalse();
  }

  // ------------------------------------------------------------------ wrong domain

  @Test
  void aNoteSignedForAnotherChainIsRefused() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    PromissoryNote n = payment(requestor, user(1), gnt(10), "chain");
    SignedNote mainnet = new NoteSigner(1, deployment.deposit()).sign(n, requestor.getEcKeyPair());

    var e =
        reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(mainnet, gnt(10)));
    Address seenByContract = recoverOrZero(signer().digest(n), mainnet);
    assertThat(seenByContract).isNotEqualTo(addr(requestor));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), seenByContract.hex());
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(100));
  }

  @Test
  void aNoteSignedForAnotherContractIsRefused() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    PromissoryNote n = payment(requestor, user(1), gnt(10), "contract");
    SignedNote elsewhere =
        new NoteSigner(chain.chainId(), deployment.registry()).sign(n, requestor.getEcKeyPair());

    var e =
        reverts(
            "InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(elsewhere, gnt(10)));
    Address seenByContract = recoverOrZero(signer().digest(n), elsewhere);
    assertThat(e.arguments()).containsExactly(hexOf(requestor), seenByContract.hex());
    assertThat(seenByContract).isNotEqualTo(addr(requestor));
  }

  // ------------------------------------------------------------------ malformed signatures

  @Test
  void aHighSSignatureIsRefused() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    SignedNote low =
        signer().sign(payment(requestor, user(1), gnt(10), "s"), requestor.getEcKeyPair());
    SignedNote high = NoteSigner.highS(low);
    // the twin is a valid secp256k1 signature by the same key: only the low-s rule stops it
    Address twinSigner = recoverOrZero(signer().digest(low.note()), high);
    assertThat(twinSigner).isEqualTo(addr(requestor));

    var e = reverts("HighSSignature", () -> deposits(CONCENT).reimburseForSubtask(high, gnt(10)));
    assertThat(e.arguments()).containsExactly(hex(high.s()));
    reverts(
        "HighSSignature",
        () -> deposits(CONCENT).reimburseForNoPayment(List.of(high), gnt(10), now()));
    assertThat(deposits(CONCENT).isSettled(addr(requestor), subtask("s"), Purpose.SUBTASK_PAYMENT))
        .isFalse();
    // the canonical signature still works
    deposits(CONCENT).reimburseForSubtask(low, gnt(10));
    assertThat(token(DEPLOYER).balanceOf(addr(user(1)))).isEqualTo(gnt(10));
  }

  @Test
  void aHighSFeeSignatureIsRefused() {
    Credentials payer = user(0);
    deposit(payer, gnt(100));
    SignedNote v =
        NoteSigner.highS(
            signer()
                .sign(
                    note(
                        payer,
                        deployment.deposit(),
                        gnt(1),
                        subtask("s"),
                        Purpose.VERIFICATION_COST),
                    payer.getEcKeyPair()));
    SignedNote c =
        NoteSigner.highS(
            signer()
                .sign(
                    note(payer, deployment.deposit(), gnt(1), subtask("s"), Purpose.COMMUNICATION),
                    payer.getEcKeyPair()));
    assertThat(
            reverts(
                    "HighSSignature",
                    () -> deposits(CONCENT).reimburseForVerificationCosts(v, gnt(1)))
                .arguments())
        .containsExactly(hex(v.s()));
    assertThat(
            reverts("HighSSignature", () -> deposits(CONCENT).reimburseForCommunication(c, gnt(1)))
                .arguments())
        .containsExactly(hex(c.s()));
  }

  @Test
  void vOtherThan27Or28IsRefused() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    SignedNote s =
        signer().sign(payment(requestor, user(1), gnt(10), "v"), requestor.getEcKeyPair());
    for (int v : new int[] {0, 1, 26, 29, 255}) {
      SignedNote bad = new SignedNote(s.note(), v, s.r(), s.s());
      var e =
          reverts("InvalidSignatureV", () -> deposits(CONCENT).reimburseForSubtask(bad, gnt(10)));
      assertThat(e.arguments()).as("v=" + v).containsExactly(BigInteger.valueOf(v));
    }
    // the other valid v recovers another key
    SignedNote flipped = new SignedNote(s.note(), s.v() == 27 ? 28 : 27, s.r(), s.s());
    var e =
        reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(flipped, gnt(10)));
    assertThat(e.argument(0)).isEqualTo(hexOf(requestor));
    assertThat(e.argument(1)).isNotEqualTo(hexOf(requestor));
  }

  @Test
  void aGarbageSignatureRecoversNobodyAndIsRefused() {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    PromissoryNote n = payment(requestor, user(1), gnt(10), "zero");
    SignedNote zero = new SignedNote(n, 27, new byte[32], new byte[32]);
    var e = reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(zero, gnt(10)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), Address.ZERO.hex());
  }

  /**
   * s = 0 (and r = 0) are not signatures: the EVM's ecrecover returns address 0 for them. A payer,
   * who knows its key, can pick r so that plain secp256k1 recovery with s = 0 yields its own
   * address; NoteSigner.recover must refuse such a note like the contract does, or a requestor
   * could hand a provider a note that verifies in Java and is worthless on chain.
   */
  @Test
  void javaRecoverRefusesZeroSAndZeroRLikeTheContract() throws Exception {
    Credentials requestor = user(0);
    deposit(requestor, gnt(100));
    BigInteger n = NoteSigner.CURVE_ORDER;
    BigInteger d = requestor.getEcKeyPair().getPrivateKey();
    SignedNote zeroS = null;
    for (int i = 0; zeroS == null; i++) {
      PromissoryNote note = payment(requestor, user(1), gnt(10), "zero-s-" + i);
      byte[] digest = signer().digest(note);
      // with s = 0, recovery gives Q = -e/r * G: r = -e/d makes Q the payer's public key
      BigInteger r = new BigInteger(1, digest).negate().multiply(d.modInverse(n)).mod(n);
      if (Sign.recoverFromSignature(0, new ECDSASignature(r, BigInteger.ZERO), digest) != null) {
        zeroS = new SignedNote(note, 27, Numeric.toBytesPadded(r, 32), new byte[32]);
      }
    }
    SignedNote forged = zeroS;
    assertThat(recover(signer().digest(forged.note()), forged)).isEqualTo(addr(requestor));

    var e =
        reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(forged, gnt(10)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), Address.ZERO.hex());
    assertThatThrownBy(() -> signer().recover(forged)).isInstanceOf(IllegalArgumentException.class);

    SignedNote zeroR = new SignedNote(forged.note(), 27, new byte[32], forged.s());
    reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(zeroR, gnt(10)));
    assertThatThrownBy(() -> signer().recover(zeroR)).isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ wrong signer, tampering

  @Test
  void aNoteSignedBySomeoneOtherThanThePayerIsRefused() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    // the provider forges its requestor's promise
    SignedNote forged =
        signWithAnyKey(signer(), payment(requestor, provider, gnt(50), "forged"), provider);
    var e =
        reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(forged, gnt(50)));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), hexOf(provider));
    // Concent itself cannot sign for the payer either
    SignedNote byConcent =
        signWithAnyKey(signer(), payment(requestor, provider, gnt(50), "forged"), CONCENT);
    var e2 =
        reverts(
            "InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(byConcent, gnt(50)));
    assertThat(e2.arguments()).containsExactly(hexOf(requestor), hexOf(CONCENT));
    var fee =
        signWithAnyKey(
            signer(),
            note(requestor, deployment.deposit(), gnt(1), subtask("forged"), Purpose.COMMUNICATION),
            CONCENT);
    var e3 =
        reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForCommunication(fee, gnt(1)));
    assertThat(e3.arguments()).containsExactly(hexOf(requestor), hexOf(CONCENT));
    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(100));
  }

  @Test
  void aTamperedNoteIsRefused() {
    Credentials requestor = user(0);
    Credentials provider = user(1);
    deposit(requestor, gnt(100));
    SignedNote s =
        signer().sign(payment(requestor, provider, gnt(10), "t"), requestor.getEcKeyPair());

    PromissoryNote moreMoney = payment(requestor, provider, gnt(90), "t");
    SignedNote tamperedAmount = new SignedNote(moreMoney, s.v(), s.r(), s.s());
    var e =
        reverts(
            "InvalidSignature",
            () -> deposits(CONCENT).reimburseForSubtask(tamperedAmount, gnt(90)));
    Address seen = recoverOrZero(signer().digest(moreMoney), tamperedAmount);
    assertThat(seen).isNotEqualTo(addr(requestor));
    assertThat(e.arguments()).containsExactly(hexOf(requestor), seen.hex());

    // another payee, or another subtask, with the same signature
    SignedNote otherPayee =
        new SignedNote(payment(requestor, user(2), gnt(10), "t"), s.v(), s.r(), s.s());
    reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(otherPayee, gnt(10)));
    SignedNote otherSubtask =
        new SignedNote(payment(requestor, provider, gnt(10), "t2"), s.v(), s.r(), s.s());
    reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(otherSubtask, gnt(10)));
    // a signature claimed for another payer's deposit
    deposit(user(3), gnt(100));
    SignedNote otherPayer =
        new SignedNote(payment(user(3), provider, gnt(10), "t"), s.v(), s.r(), s.s());
    reverts("InvalidSignature", () -> deposits(CONCENT).reimburseForSubtask(otherPayer, gnt(10)));

    assertThat(deposits(CONCENT).balanceOf(addr(requestor))).isEqualTo(gnt(100));
    assertThat(deposits(CONCENT).balanceOf(addr(user(3)))).isEqualTo(gnt(100));
    // the untampered note still pays
    deposits(CONCENT).reimburseForSubtask(s, gnt(10));
    assertThat(token(DEPLOYER).balanceOf(addr(provider))).isEqualTo(gnt(10));
  }

  /**
   * What the contract's ecrecover returns for {@code sig} over {@code digest} (0 when recovery
   * fails).
   */
  private static Address recoverOrZero(byte[] digest, SignedNote sig) {
    try {
      return recover(digest, sig);
    } catch (java.security.SignatureException | RuntimeException e) {
      return Address.ZERO;
    }
  }
}
