package org.jgolem.node.reputation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.node.reputation.Reputation.Event.*;
import static org.jgolem.node.reputation.Reputation.Role.PROVIDER;
import static org.jgolem.node.reputation.Reputation.Role.REQUESTOR;

import org.jgolem.eth.Address;
import org.junit.jupiter.api.Test;

class ReputationTest {
  final Reputation rep = new Reputation(Reputation.inMemory());
  final Address a = Address.of("0x" + "11".repeat(20));
  final Address b = Address.of("0x" + "22".repeat(20));

  @Test
  void strangersStartInTheMiddleAndGoodWorkRaisesThem() {
    assertThat(rep.score(PROVIDER, a)).isEqualTo(0.5);
    rep.record(PROVIDER, a, RESULT_ACCEPTED);
    assertThat(rep.score(PROVIDER, a)).isEqualTo(2.0 / 3);
  }

  @Test
  void aWrongResultCostsFarMoreThanAReportedFailure() {
    rep.record(PROVIDER, a, WRONG_RESULT);
    rep.record(PROVIDER, b, FAILURE_REPORTED);
    assertThat(rep.score(PROVIDER, a)).isEqualTo(1.0 / 12);
    assertThat(rep.score(PROVIDER, b)).isEqualTo(1 / 2.5);
    assertThat(rep.ranking(PROVIDER)).extracting(Reputation.Entry::node).containsExactly(b, a);
    // it takes many good results to make up for one wrong one
    for (int i = 0; i < 9; i++) rep.record(PROVIDER, a, RESULT_ACCEPTED);
    assertThat(rep.score(PROVIDER, a))
        .isLessThan(rep.score(PROVIDER, b) + 0.15)
        .isEqualTo(10.0 / 21);
  }

  @Test
  void theTwoRankingsAreSeparate() {
    rep.record(REQUESTOR, a, LATE_PAYMENT);
    assertThat(rep.score(REQUESTOR, a)).isEqualTo(1.0 / 5);
    assertThat(rep.score(PROVIDER, a)).isEqualTo(0.5);
    assertThat(rep.ranking(PROVIDER)).isEmpty();
    rep.record(REQUESTOR, a, PAID);
    assertThat(rep.counters(REQUESTOR, a).paid()).isEqualTo(1);
    assertThat(rep.counters(REQUESTOR, a).late()).isEqualTo(1);
  }

  @Test
  void anOverturnedWrongResultIsTakenBackAndCountsAsAccepted() {
    Reputation r = new Reputation(Reputation.inMemory());
    org.jgolem.eth.Address p = org.jgolem.protocol.identity.NodeKey.generate().address();
    r.record(Reputation.Role.PROVIDER, p, Reputation.Event.WRONG_RESULT);
    r.record(Reputation.Role.PROVIDER, p, Reputation.Event.WRONG_RESULT_OVERTURNED);
    assertThat(r.counters(Reputation.Role.PROVIDER, p).wrong()).isZero();
    assertThat(r.counters(Reputation.Role.PROVIDER, p).accepted()).isEqualTo(1);
    r.record(Reputation.Role.PROVIDER, p, Reputation.Event.WRONG_RESULT_OVERTURNED);
    assertThat(r.counters(Reputation.Role.PROVIDER, p).wrong()).isZero(); // never below 0
  }
}
