package org.jgolem.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jgolem.protocol.identity.Keystore;
import org.jgolem.protocol.identity.NodeKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
  @Test
  void firstStartCreatesTheKeystoreAndSaysWhereLaterStartsReuseIt(@TempDir Path dir)
      throws Exception {
    Path pw = dir.resolve("password");
    Files.writeString(pw, "correct horse battery staple\n");
    Keystore.Password password =
        NodeIdentity.passwordFrom(Map.of(NodeIdentity.PASSWORD_FILE_ENV, pw.toString()));

    ByteArrayOutputStream first = new ByteArrayOutputStream();
    NodeKey created =
        NodeIdentity.loadOrCreate(
            dir.resolve("data"), password, new PrintStream(first, true, StandardCharsets.UTF_8));
    Path keystore = dir.resolve("data").resolve(NodeIdentity.KEYSTORE_FILE);
    assertThat(keystore).exists();
    assertThat(first.toString(StandardCharsets.UTF_8))
        .contains(keystore.toAbsolutePath().toString())
        .contains(created.address().hex());
    assertThat(Files.readString(keystore)).doesNotContain("correct horse");

    ByteArrayOutputStream second = new ByteArrayOutputStream();
    NodeKey loaded =
        NodeIdentity.loadOrCreate(
            dir.resolve("data"), password, new PrintStream(second, true, StandardCharsets.UTF_8));
    assertThat(loaded.address()).isEqualTo(created.address());
    assertThat(second.toString(StandardCharsets.UTF_8))
        .as("nothing to say on later starts")
        .isEmpty();
  }

  @Test
  void aMissingPasswordSourceIsExplained() {
    assertThatThrownBy(() -> NodeIdentity.passwordFrom(Map.of()))
        .hasMessageContaining(NodeIdentity.PASSWORD_FILE_ENV)
        .hasMessageContaining(NodeIdentity.PASSWORD_ENV)
        .hasMessageContaining("never pass it on the command line");
  }

  @Test
  void aWrongPasswordIsAClearError(@TempDir Path dir) throws Exception {
    Path pw = dir.resolve("pw");
    Files.writeString(pw, "one");
    NodeIdentity.loadOrCreate(
        dir, new Keystore.Password.FromFile(pw), new PrintStream(new ByteArrayOutputStream()));
    Files.writeString(pw, "two");
    assertThatThrownBy(
            () -> NodeIdentity.loadOrCreate(dir, new Keystore.Password.FromFile(pw), System.out))
        .hasMessageContaining("wrong password");
  }
}
