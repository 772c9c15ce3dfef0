package org.jgolem.node.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import org.jgolem.node.fixtures.Headers;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Cbor;
import org.jgolem.protocol.messages.MessageHasher;
import org.jgolem.protocol.messages.market.TaskHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Task headers read back from the node's database, including those stored before Concent. */
@Timeout(10)
class StoredHeaderTest {
  final MessageHasher hasher = new MessageHasher(1337);
  final TaskHeader header =
      Headers.header(
          NodeKey.fromPrivateKey(java.math.BigInteger.TWO), 1, 1_800_000_000_000L, hasher);

  @Test
  void aStoredHeaderReadsBackTheSame() {
    TaskHeader back = Sql.storedHeader(Sql.cbor(header));
    assertThat(back).isEqualTo(header);
    assertThat(back.hasValidAuthorSignature(hasher)).isTrue();
  }

  @Test
  void aHeaderStoredBeforeConcentReadsAsOneWithoutIt() throws Exception {
    ObjectNode old = (ObjectNode) Cbor.MAPPER.readTree(Sql.cbor(header));
    old.remove("concentEnabled");
    byte[] stored = Cbor.MAPPER.writeValueAsBytes(old);
    TaskHeader back = Sql.storedHeader(stored);
    assertThat(back.concentEnabled()).isFalse();
    assertThat(back.taskId()).isEqualTo(header.taskId());
    assertThat(back.deadline()).isEqualTo(header.deadline());
    assertThat(back.maxPricePerHour()).isEqualTo(header.maxPricePerHour());

    // any other missing field is still an error
    old.remove("deadline");
    byte[] broken = Cbor.MAPPER.writeValueAsBytes(old);
    assertThatThrownBy(() -> Sql.storedHeader(broken))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("stored TaskHeader does not decode");
  }
}
