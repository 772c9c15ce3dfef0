package org.jgolem.node.market;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jgolem.node.market.provider.ProviderAgent;
import org.jgolem.node.market.requestor.RequestorAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The agents' builders name every required part that is missing, and start nothing then. */
@Timeout(10)
class AgentBuildersTest {
  @Test
  void aProviderWithoutItsPartsIsNotBuiltAndEachMissingPartIsNamed() {
    assertThatThrownBy(() -> ProviderAgent.builder().capacity(1, 1, 0).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "a provider agent needs: network, gossip, config, computer, resources, incomes,"
                + " reputation, dataDir, clock, capacity (all at least 1)");
  }

  @Test
  void aRequestorWithoutItsPartsIsNotBuiltAndEachMissingPartIsNamed() {
    assertThatThrownBy(() -> RequestorAgent.builder().concent(null, null).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "a requestor agent needs: key, network, gossip, config, templates, resources,"
                + " payments, funds, reputation, dataDir, clock, concent policy");
  }
}
