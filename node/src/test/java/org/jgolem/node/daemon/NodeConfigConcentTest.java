package org.jgolem.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jgolem.node.concent.ConcentMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code concent} setting: off by default, one of three modes, and a chain when not off. */
@Timeout(10)
class NodeConfigConcentTest {
  @TempDir Path tmp;

  private NodeConfig read(String json) throws Exception {
    return NodeConfig.read(Files.writeString(tmp.resolve("node.json"), json));
  }

  @Test
  void offUnlessGiven() throws Exception {
    assertThat(read("{}").concent()).isEqualTo(ConcentMode.OFF);
    assertThat(read("{\"concent\": {}}").concent()).isEqualTo(ConcentMode.OFF);
    assertThat(read("{\"concent\": {\"mode\": \"off\"}}").concent()).isEqualTo(ConcentMode.OFF);
  }

  @Test
  void optionalAndRequiredNeedTheChain() throws Exception {
    String chain = "\"chain\": {\"deployment\": \"deployments/demo.json\"}";
    assertThat(read("{" + chain + ", \"concent\": {\"mode\": \"optional\"}}").concent())
        .isEqualTo(ConcentMode.OPTIONAL);
    assertThat(read("{" + chain + ", \"concent\": {\"mode\": \"required\"}}").concent())
        .isEqualTo(ConcentMode.REQUIRED);
    assertThatThrownBy(() -> read("{\"concent\": {\"mode\": \"required\"}}"))
        .isInstanceOf(NodeConfig.ConfigException.class)
        .hasMessageContaining(
            "$.concent.mode: \"required\" needs the chain, where Concent deposits are: set"
                + " $.chain.deployment");
  }

  @Test
  void aWrongValueIsNamedByItsPath() {
    assertThatThrownBy(() -> read("{\"concent\": {\"mode\": \"on\"}}"))
        .hasMessageContaining("$.concent.mode: must be \"off\", \"optional\" or \"required\"");
    assertThatThrownBy(() -> read("{\"concent\": {\"endpoint\": \"x\"}}"))
        .hasMessageContaining(
            "$.concent.endpoint: unknown field (known: mode, url, pollSeconds, dispute, verificationFee)");
    assertThatThrownBy(() -> read("{\"concent\": {\"pollSeconds\": 0}}"))
        .hasMessageContaining("$.concent.pollSeconds");
    assertThatThrownBy(() -> read("{\"concent\": \"optional\"}"))
        .hasMessageContaining("$.concent: must be an object");
  }
}
