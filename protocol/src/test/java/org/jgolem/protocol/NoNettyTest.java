package org.jgolem.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The protocol module is shared by the node and Concent and must stay free of the transport: no
 * class of it refers to Netty (web3j brings Netty jars onto the class path through Vert.x; using
 * them here would tie the message layer to one transport).
 */
class NoNettyTest {
  @Test
  void noProtocolClassRefersToNetty() throws IOException {
    Path classes = Path.of(System.getProperty("basedir", "."), "target", "classes");
    List<Path> files;
    try (Stream<Path> s = Files.walk(classes)) {
      files = s.filter(p -> p.toString().endsWith(".class")).toList();
    }
    assertThat(files).as("compiled protocol classes").hasSizeGreaterThan(30);
    for (Path f : files) {
      String constantPool = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      assertThat(constantPool).as(classes.relativize(f).toString()).doesNotContain("io/netty");
    }
  }
}
