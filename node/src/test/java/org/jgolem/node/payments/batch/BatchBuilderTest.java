package org.jgolem.node.payments.batch;

import static java.math.BigInteger.ONE;
import static java.math.BigInteger.ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jgolem.eth.Address;
import org.jgolem.eth.PackedPayment;
import org.jgolem.node.payments.batch.BatchPlan.HeldBack;
import org.jgolem.node.payments.batch.BatchPlan.Reason;
import org.junit.jupiter.api.Test;

/** The batch builder and the packed word format, without a chain. */
class BatchBuilderTest {
  private static final BigInteger MAX = PackedPayment.MAX_AMOUNT;
  private static final Address SENDER = addr(0x5e);
  private static final Address TOKEN = addr(0x70);
  private static final Address A = addr(0xa1);
  private static final Address B = addr(0xb2);
  private static final Address C = addr(0xc3);

  private static Address addr(long n) {
    return Address.of(BigInteger.valueOf(n).add(BigInteger.ONE.shiftLeft(150)));
  }

  private static Payment p(Address payee, long amount) {
    return new Payment(payee, BigInteger.valueOf(amount));
  }

  private static PackedPayment w(Address payee, long amount) {
    return new PackedPayment(payee, BigInteger.valueOf(amount));
  }

  private static BatchBuilder builder(int max) {
    return new BatchBuilder(SENDER, TOKEN, max);
  }

  private static List<PackedPayment> words(BatchPlan plan) {
    return plan.batches().stream().flatMap(b -> b.payments().stream()).toList();
  }

  // ------------------------------------------------------------------------------------
  // aggregation and order

  @Test
  void aggregatesPaymentsPerPayee() {
    BatchPlan plan = builder(10).plan(List.of(p(A, 1), p(B, 2), p(A, 3), p(B, 4), p(A, 5)));
    assertThat(plan.batches()).hasSize(1);
    assertThat(words(plan)).containsExactly(w(A, 9), w(B, 6));
    assertThat(plan.heldBack()).isEmpty();
    assertThat(plan.total()).isEqualTo(BigInteger.valueOf(15));
  }

  @Test
  void payeesKeepTheOrderOfTheirFirstAppearance() {
    BatchPlan plan = builder(10).plan(List.of(p(C, 1), p(A, 1), p(B, 1), p(A, 1), p(C, 1)));
    assertThat(words(plan)).extracting(PackedPayment::payee).containsExactly(C, A, B);
    assertThat(words(plan)).containsExactly(w(C, 2), w(A, 2), w(B, 1));
  }

  @Test
  void theSameInputGivesTheSameBatches() {
    List<Payment> in = List.of(p(B, 3), p(A, 1), p(C, 2), p(B, 3));
    assertThat(builder(2).plan(in)).isEqualTo(builder(2).plan(in));
  }

  @Test
  void emptyInputGivesAnEmptyPlan() {
    BatchPlan plan = builder(5).plan(List.of());
    assertThat(plan.batches()).isEmpty();
    assertThat(plan.heldBack()).isEmpty();
    assertThat(plan.total()).isZero();
  }

  // ------------------------------------------------------------------------------------ batch size

  @Test
  void splitsIntoBatchesOfAtMostMaxPaymentsPerBatch() {
    List<Payment> in = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      in.add(p(addr(i), i));
    }
    BatchPlan plan = builder(3).plan(in);
    assertThat(plan.batches()).extracting(b -> b.payments().size()).containsExactly(3, 3, 1);
    assertThat(plan.batches().get(0).payments())
        .containsExactly(w(addr(1), 1), w(addr(2), 2), w(addr(3), 3));
    assertThat(plan.batches().get(2).payments()).containsExactly(w(addr(7), 7));
    assertThat(plan.batches())
        .extracting(BatchPlan.Batch::total)
        .containsExactly(BigInteger.valueOf(6), BigInteger.valueOf(15), BigInteger.valueOf(7));
    assertThat(plan.total()).isEqualTo(BigInteger.valueOf(28));
  }

  @Test
  void anExactMultipleLeavesNoEmptyBatch() {
    List<Payment> in = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      in.add(p(addr(i), i));
    }
    assertThat(builder(3).plan(in).batches())
        .extracting(b -> b.payments().size())
        .containsExactly(3, 3);
    assertThat(builder(6).plan(in).batches())
        .extracting(b -> b.payments().size())
        .containsExactly(6);
    assertThat(builder(1).plan(in).batches())
        .hasSize(6)
        .allSatisfy(b -> assertThat(b.payments()).hasSize(1));
  }

  @Test
  void batchSizeBelowOneIsRefused() {
    assertThatThrownBy(() -> new BatchBuilder(SENDER, TOKEN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> new BatchBuilder(SENDER, TOKEN, -3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void batchesAreImmutable() {
    BatchPlan plan = builder(2).plan(List.of(p(A, 1), p(B, 1), p(C, 1)));
    assertThatThrownBy(() -> plan.batches().get(0).payments().add(w(A, 1)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> plan.batches().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ------------------------------------------------------------------------------------ large
  // amounts

  @Test
  void anAmountOfExactlyTwoTo96MinusOneTakesOneWord() {
    BatchPlan plan = builder(10).plan(List.of(new Payment(A, MAX)));
    assertThat(words(plan)).containsExactly(new PackedPayment(A, MAX));
  }

  @Test
  void amountsAboveTwoTo96MinusOneAreSplitIntoSeveralWordsWithTheExactTotal() {
    BigInteger big = MAX.multiply(BigInteger.TWO).add(BigInteger.valueOf(5));
    BatchPlan plan = builder(10).plan(List.of(new Payment(A, big), p(B, 1)));
    assertThat(words(plan))
        .containsExactly(new PackedPayment(A, MAX), new PackedPayment(A, MAX), w(A, 5), w(B, 1));
    assertThat(plan.total()).isEqualTo(big.add(ONE));

    BatchPlan justAbove = builder(10).plan(List.of(new Payment(A, MAX.add(ONE))));
    assertThat(words(justAbove)).containsExactly(new PackedPayment(A, MAX), w(A, 1));
  }

  @Test
  void aggregatesAboveTheWordLimitAreSplitToo() {
    BatchPlan plan = builder(10).plan(List.of(new Payment(A, MAX), p(B, 2), p(A, 7)));
    assertThat(words(plan)).containsExactly(new PackedPayment(A, MAX), w(A, 7), w(B, 2));
  }

  @Test
  void theWordsOfOneSplitAmountMaySpanBatches() {
    BigInteger big = MAX.multiply(BigInteger.valueOf(3));
    BatchPlan plan = builder(2).plan(List.of(new Payment(A, big)));
    assertThat(plan.batches()).hasSize(2);
    assertThat(plan.batches().get(0).payments())
        .containsExactly(new PackedPayment(A, MAX), new PackedPayment(A, MAX));
    assertThat(plan.batches().get(1).payments()).containsExactly(new PackedPayment(A, MAX));
    assertThat(plan.total()).isEqualTo(big);
  }

  // ------------------------------------------------------------------------------------ held back

  @Test
  void eachReasonForHoldingBackIsReportedInInputOrder() {
    Payment zero = p(Address.ZERO, 5);
    Payment nullPayee = p(null, 6);
    Payment self = p(SENDER, 7);
    Payment token = p(TOKEN, 8);
    Payment zeroAmount = p(A, 0);
    Payment negative = p(B, -9);
    BatchPlan plan =
        builder(10)
            .plan(List.of(p(C, 1), zero, nullPayee, self, token, zeroAmount, negative, p(A, 2)));
    assertThat(plan.heldBack())
        .containsExactly(
            new HeldBack(zero, Reason.ZERO_PAYEE),
            new HeldBack(nullPayee, Reason.ZERO_PAYEE),
            new HeldBack(self, Reason.PAYEE_IS_SENDER),
            new HeldBack(token, Reason.TOKEN_CONTRACT_PAYEE),
            new HeldBack(zeroAmount, Reason.NON_POSITIVE_AMOUNT),
            new HeldBack(negative, Reason.NON_POSITIVE_AMOUNT));
    assertThat(words(plan)).containsExactly(w(C, 1), w(A, 2));
  }

  @Test
  void aHeldBackPaymentDoesNotOffsetAnotherOfTheSamePayee() {
    // A's negative amount is held back; it is not subtracted from A's valid payments.
    BatchPlan plan = builder(10).plan(List.of(p(A, 10), p(A, -4)));
    assertThat(words(plan)).containsExactly(w(A, 10));
    assertThat(plan.heldBack()).containsExactly(new HeldBack(p(A, -4), Reason.NON_POSITIVE_AMOUNT));
  }

  @Test
  void aBadPayeeIsReportedBeforeABadAmount() {
    assertThat(builder(10).plan(List.of(p(Address.ZERO, -1))).heldBack())
        .extracting(HeldBack::reason)
        .containsExactly(Reason.ZERO_PAYEE);
    assertThat(builder(10).plan(List.of(p(SENDER, 0))).heldBack())
        .extracting(HeldBack::reason)
        .containsExactly(Reason.PAYEE_IS_SENDER);
    assertThat(builder(10).plan(List.of(p(TOKEN, -1))).heldBack())
        .extracting(HeldBack::reason)
        .containsExactly(Reason.TOKEN_CONTRACT_PAYEE);
  }

  @Test
  void whenEverythingIsHeldBackThereIsNoBatchAtAll() {
    // An empty batch would revert EmptyBatch on chain.
    BatchPlan plan = builder(10).plan(List.of(p(Address.ZERO, 1), p(SENDER, 1), p(A, 0)));
    assertThat(plan.batches()).isEmpty();
    assertThat(plan.heldBack()).hasSize(3);
    assertThat(plan.total()).isZero();
  }

  // The builder's half of TokenAuditRegressionTest's TOB-14 tests (contract-wrappers), which send
  // on chain
  // the batches asserted here. Finding: one bad payee makes a whole batch revert. Fix: the builder
  // holds
  // back every payment the contract would refuse, with its reason, and the rest is paid.

  private static BigInteger gnt(long n) {
    return BigInteger.TEN.pow(18).multiply(BigInteger.valueOf(n));
  }

  @Test
  void tob14_theTokenContractItselfIsHeldBack() {
    // The contract does not refuse the token's own address as a payee: such tokens are stranded.
    BatchPlan plan = new BatchBuilder(SENDER, TOKEN, 10).plan(List.of(new Payment(TOKEN, ONE)));
    assertThat(plan.batches()).isEmpty();
    assertThat(plan.heldBack())
        .containsExactly(new HeldBack(new Payment(TOKEN, ONE), Reason.TOKEN_CONTRACT_PAYEE));
  }

  @Test
  void tob14_builderHoldsBackBadPaymentsWithTheirReason() {
    Address u0 = addr(0x10);
    Address u1 = addr(0x11);
    Address u2 = addr(0x12);
    Address u3 = addr(0x13);
    Address u4 = addr(0x14);
    Address u5 = addr(0x15);
    Payment zero = new Payment(Address.ZERO, gnt(5));
    Payment nullPayee = new Payment(null, gnt(6));
    Payment self = new Payment(SENDER, gnt(7));
    Payment toToken = new Payment(TOKEN, gnt(3));
    Payment zeroAmount = new Payment(u1, ZERO);
    Payment negative = new Payment(u2, gnt(-4));
    List<Payment> owed =
        new ArrayList<>(
            List.of(
                new Payment(u0, gnt(10)),
                zero,
                self,
                new Payment(u3, gnt(20)),
                toToken,
                nullPayee,
                zeroAmount,
                new Payment(u0, gnt(5)),
                negative,
                new Payment(u4, gnt(1)),
                new Payment(u5, gnt(2))));

    BatchPlan plan = new BatchBuilder(SENDER, TOKEN, 2).plan(owed);

    assertThat(plan.heldBack())
        .containsExactly(
            new HeldBack(zero, Reason.ZERO_PAYEE),
            new HeldBack(self, Reason.PAYEE_IS_SENDER),
            new HeldBack(toToken, Reason.TOKEN_CONTRACT_PAYEE),
            new HeldBack(nullPayee, Reason.ZERO_PAYEE),
            new HeldBack(zeroAmount, Reason.NON_POSITIVE_AMOUNT),
            new HeldBack(negative, Reason.NON_POSITIVE_AMOUNT));
    assertThat(plan.batches()).hasSize(2); // user0 (10+5), user3 | user4, user5
    assertThat(plan.batches().get(0).payments())
        .containsExactly(new PackedPayment(u0, gnt(15)), new PackedPayment(u3, gnt(20)));
    assertThat(plan.batches().get(1).payments())
        .containsExactly(new PackedPayment(u4, gnt(1)), new PackedPayment(u5, gnt(2)));
    assertThat(plan.total()).isEqualTo(gnt(38));
  }

  // ------------------------------------------------------------------------------------
  // PackedPayment

  @Test
  void wordPacksTheAmountAboveThePayee() {
    Address payee = Address.of("0x00112233445566778899aabbccddeeff00112233");
    PackedPayment pp = new PackedPayment(payee, BigInteger.valueOf(0x0102));
    assertThat(pp.word())
        .isEqualTo(BigInteger.valueOf(0x0102).shiftLeft(160).or(payee.toBigInteger()));
    assertThat(pp.word().shiftRight(160)).isEqualTo(BigInteger.valueOf(0x0102));
    assertThat(pp.word().and(ONE.shiftLeft(160).subtract(ONE))).isEqualTo(payee.toBigInteger());
  }

  @Test
  void wordBytesAre32BytesBigEndian() {
    Address payee = Address.of("0x00112233445566778899aabbccddeeff00112233");
    byte[] bytes = new PackedPayment(payee, BigInteger.valueOf(0x0102)).wordBytes();
    assertThat(bytes).hasSize(32);
    assertThat(HexFormat.of().formatHex(bytes))
        .isEqualTo("000000000000000000000102" + "00112233445566778899aabbccddeeff00112233");
    assertThat(new BigInteger(1, bytes))
        .isEqualTo(new PackedPayment(payee, BigInteger.valueOf(0x0102)).word());
  }

  @Test
  void wordBytesOfTheLargestWordHaveNoSignByte() {
    // MAX amount to the all-ones address: the word is 2^256 - 1, whose BigInteger form has 33
    // bytes.
    Address ones = Address.of("0x" + "f".repeat(40));
    PackedPayment pp = new PackedPayment(ones, MAX);
    assertThat(pp.word()).isEqualTo(ONE.shiftLeft(256).subtract(ONE));
    assertThat(HexFormat.of().formatHex(pp.wordBytes())).isEqualTo("f".repeat(64));
  }

  @Test
  void wordBytesOfASmallWordAreLeftPadded() {
    byte[] bytes = new PackedPayment(Address.of(ONE), ONE).wordBytes();
    byte[] expected = new byte[32];
    expected[11] = 1; // 1 << 160: bit 160 is the lowest bit of byte 11
    expected[31] = 1;
    assertThat(bytes).isEqualTo(expected);
  }

  @Test
  void unpackInvertsWord() {
    for (PackedPayment pp :
        List.of(
            w(A, 1),
            new PackedPayment(B, MAX),
            new PackedPayment(Address.of("0x" + "f".repeat(40)), MAX),
            new PackedPayment(Address.of(ONE), BigInteger.valueOf(123456789)))) {
      assertThat(PackedPayment.unpack(pp.word())).isEqualTo(pp);
      assertThat(PackedPayment.unpack(new BigInteger(1, pp.wordBytes()))).isEqualTo(pp);
    }
  }

  @Test
  void unpackRefusesWordsThatNoValidPaymentHas() {
    assertThatThrownBy(() -> PackedPayment.unpack(ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PackedPayment.unpack(A.toBigInteger()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PackedPayment.unpack(ONE.shiftLeft(160)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void packedPaymentRefusesWhatTheContractWouldRefuse() {
    assertThatThrownBy(() -> new PackedPayment(Address.ZERO, ONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PackedPayment(null, ONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PackedPayment(A, ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PackedPayment(A, ONE.negate()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PackedPayment(A, MAX.add(ONE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(MAX.add(ONE).toString());
    assertThat(new PackedPayment(A, ONE).amount()).isEqualTo(ONE);
    assertThat(new PackedPayment(A, MAX).amount()).isEqualTo(MAX);
  }

  @Test
  void paymentNeedsAnAmount() {
    assertThatThrownBy(() -> new Payment(A, null)).isInstanceOf(NullPointerException.class);
  }

  // ------------------------------------------------------------------------------------ randomized

  @Test
  void randomPlansAccountForEveryUnitOfInput() {
    final long seed = 0x5EED_2024_0611L;
    SplittableRandom rnd = new SplittableRandom(seed);
    Address[] pool = {A, B, C, addr(1), addr(2), addr(3), Address.ZERO, SENDER, TOKEN, null};
    for (int iter = 0; iter < 300; iter++) {
      String ctx = "seed " + seed + ", iteration " + iter;
      int max = 1 + rnd.nextInt(6);
      int n = rnd.nextInt(25);
      List<Payment> in = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        in.add(new Payment(pool[rnd.nextInt(pool.length)], randomAmount(rnd)));
      }

      BatchPlan plan = builder(max).plan(in);

      BigInteger inputTotal = in.stream().map(Payment::amount).reduce(ZERO, BigInteger::add);
      BigInteger heldTotal =
          plan.heldBack().stream().map(h -> h.payment().amount()).reduce(ZERO, BigInteger::add);
      assertThat(plan.total().add(heldTotal)).as(ctx).isEqualTo(inputTotal);

      // Exactly the bad payments are held back, in input order; the rest is owed per payee.
      List<Payment> expectedHeld = new ArrayList<>();
      Map<Address, BigInteger> expectedOwed = new LinkedHashMap<>();
      for (Payment p : in) {
        boolean bad =
            p.payee() == null
                || p.payee().isZero()
                || p.payee().equals(SENDER)
                || p.payee().equals(TOKEN)
                || p.amount().signum() <= 0;
        if (bad) {
          expectedHeld.add(p);
        } else {
          expectedOwed.merge(p.payee(), p.amount(), BigInteger::add);
        }
      }
      assertThat(plan.heldBack())
          .extracting(HeldBack::payment)
          .as(ctx)
          .containsExactlyElementsOf(expectedHeld);

      Map<Address, BigInteger> paid = new LinkedHashMap<>();
      for (BatchPlan.Batch b : plan.batches()) {
        assertThat(b.payments()).as(ctx).isNotEmpty().hasSizeLessThanOrEqualTo(max);
        for (PackedPayment pp : b.payments()) {
          assertThat(pp.amount()).as(ctx).isPositive().isLessThanOrEqualTo(MAX);
          assertThat(PackedPayment.unpack(pp.word())).as(ctx).isEqualTo(pp);
          paid.merge(pp.payee(), pp.amount(), BigInteger::add);
        }
      }
      assertThat(paid).as(ctx).containsExactlyEntriesOf(expectedOwed);
      // All batches but the last are full.
      for (int i = 0; i + 1 < plan.batches().size(); i++) {
        assertThat(plan.batches().get(i).payments()).as(ctx).hasSize(max);
      }
    }
  }

  /** Mostly ordinary amounts, with zeros, negatives and amounts around and far above 2^96. */
  private static BigInteger randomAmount(SplittableRandom rnd) {
    return switch (rnd.nextInt(8)) {
      case 0 -> ZERO;
      case 1 -> BigInteger.valueOf(-1 - rnd.nextInt(1000));
      case 2 -> MAX.add(BigInteger.valueOf(rnd.nextInt(3) - 1));
      // Up to 2^99: at most 8 words. (Totals above MAX_WORDS_PER_PAYEE words are held back as
      // AMOUNT_TOO_LARGE: see absurdTotalsAreHeldBackInsteadOfExplodingIntoWords.)
      case 3 -> new BigInteger(96 + rnd.nextInt(4), new java.util.Random(rnd.nextLong())).add(ONE);
      default -> BigInteger.valueOf(1 + rnd.nextLong(1L << 62));
    };
  }

  @Test
  void absurdTotalsAreHeldBackInsteadOfExplodingIntoWords() {
    BatchBuilder builder = new BatchBuilder(SENDER, TOKEN, 3);
    Address big = addr(0xb1);
    Address fine = addr(0xb2);
    Payment absurd = new Payment(big, ONE.shiftLeft(135)); // once ran a test JVM out of heap
    BatchPlan plan = builder.plan(List.of(absurd, new Payment(fine, BigInteger.TEN)));
    assertThat(plan.heldBack()).containsExactly(new HeldBack(absurd, Reason.AMOUNT_TOO_LARGE));
    assertThat(plan.total()).isEqualTo(BigInteger.TEN);

    // The cap itself is payable: MAX_WORDS_PER_PAYEE full words, spread over batches of three.
    BigInteger cap = MAX.multiply(BigInteger.valueOf(BatchBuilder.MAX_WORDS_PER_PAYEE));
    BatchPlan edge = builder.plan(List.of(new Payment(fine, cap)));
    assertThat(edge.heldBack()).isEmpty();
    assertThat(edge.total()).isEqualTo(cap);
    assertThat(edge.batches()).hasSize((BatchBuilder.MAX_WORDS_PER_PAYEE + 2) / 3);

    // Each payment below the cap, but together one unit above it: all of that payee's are held
    // back.
    Payment part = new Payment(big, MAX.add(ONE));
    Payment rest = new Payment(big, cap.subtract(MAX));
    BatchPlan both = builder.plan(List.of(part, rest, new Payment(fine, ONE)));
    assertThat(both.heldBack())
        .containsExactly(
            new HeldBack(part, Reason.AMOUNT_TOO_LARGE),
            new HeldBack(rest, Reason.AMOUNT_TOO_LARGE));
    assertThat(both.total()).isEqualTo(ONE);
  }
}
