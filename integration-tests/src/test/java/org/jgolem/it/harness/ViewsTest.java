package org.jgolem.it.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import org.jgolem.eth.Address;
import org.jgolem.it.harness.Views.Assignment;
import org.jgolem.it.harness.Views.AssignmentState;
import org.jgolem.it.harness.Views.Job;
import org.jgolem.it.harness.Views.JobState;
import org.jgolem.it.harness.Views.Ranking;
import org.jgolem.it.harness.Views.RankingRole;
import org.jgolem.node.api.NodeService;
import org.junit.jupiter.api.Test;

/**
 * The views read what the node's API records are written as (no network): field names, amounts,
 * states.
 */
class ViewsTest {
  static final String PROVIDER = "0x2222222222222222222222222222222222222222";
  static final String REQUESTOR = "0x1111111111111111111111111111111111111111";

  static JsonNode written(Object apiRecord) {
    return Api.JSON.valueToTree(apiRecord);
  }

  @Test
  void anAssignment() {
    Assignment a =
        Assignment.of(
            written(
                new NodeService.AssignmentSummary(
                    "ab".repeat(32),
                    "t-1",
                    "band-0",
                    PROVIDER,
                    "123456789012345678901234567890",
                    1_700_000_000_000L,
                    "TIMED_OUT",
                    "no report by the deadline",
                    "",
                    "PAID_BY_CONCENT(tx 0xab)")));
    assertThat(a)
        .isEqualTo(
            new Assignment(
                "ab".repeat(32),
                "t-1",
                "band-0",
                Address.of(PROVIDER),
                new BigInteger("123456789012345678901234567890"),
                1_700_000_000_000L,
                AssignmentState.TIMED_OUT,
                "no report by the deadline",
                "",
                "PAID_BY_CONCENT(tx 0xab)"));
  }

  @Test
  void aRanking() {
    Ranking r =
        Ranking.of(
            written(
                new NodeService.ReputationSummary(
                    "PROVIDER", PROVIDER, 1.0 / 12, 0, 1, 0, 0, 0, 0, 0)));
    assertThat(r)
        .isEqualTo(
            new Ranking(RankingRole.PROVIDER, Address.of(PROVIDER), 1.0 / 12, 0, 1, 0, 0, 0, 0, 0));
  }

  @Test
  void aProviderJob() {
    Job j =
        Job.of(
            written(
                new NodeService.JobSummary(
                    "ab".repeat(32),
                    "cd".repeat(32),
                    REQUESTOR,
                    "5",
                    1_700_000_000_000L,
                    "COMPUTING",
                    "",
                    null)));
    assertThat(j)
        .isEqualTo(
            new Job(
                "ab".repeat(32),
                "cd".repeat(32),
                Address.of(REQUESTOR),
                BigInteger.valueOf(5),
                1_700_000_000_000L,
                JobState.COMPUTING,
                "",
                ""));
  }

  @Test
  void aMissingFieldOrAnUndocumentedStateFailsTheParse() {
    ObjectNode j =
        (ObjectNode)
            written(
                new NodeService.JobSummary(
                    "ab".repeat(32), "cd".repeat(32), REQUESTOR, "5", 1L, "COMPUTING", "", null));
    j.remove("deadline");
    assertThatThrownBy(() -> Job.of(j))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("\"deadline\"");
    ObjectNode odd =
        (ObjectNode)
            written(
                new NodeService.JobSummary(
                    "ab".repeat(32), "cd".repeat(32), REQUESTOR, "5", 1L, "DREAMING", "", null));
    assertThatThrownBy(() -> Job.of(odd)).isInstanceOf(IllegalArgumentException.class);
  }
}
