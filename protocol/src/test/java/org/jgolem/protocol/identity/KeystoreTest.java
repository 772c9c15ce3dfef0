package org.jgolem.protocol.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeystoreTest {
  @TempDir Path dir;

  private Keystore.Password passwordFile(String password) throws Exception {
    Path f = dir.resolve("password.txt");
    Files.writeString(f, password + "\n");
    return new Keystore.Password.FromFile(f);
  }

  @Test
  void createsOnFirstUseAndLoadsTheSameKeyBack() throws Exception {
    Path file = dir.resolve("keys/node.json");
    Keystore.Password pw = passwordFile("correct horse battery staple");
    Keystore.Loaded first = Keystore.loadOrCreate(file, pw);
    assertThat(first.created()).isTrue();
    assertThat(file).exists();

    Keystore.Loaded again = Keystore.loadOrCreate(file, pw);
    assertThat(again.created()).isFalse();
    assertThat(again.key().address()).isEqualTo(first.key().address());
    assertThat(again.key().keyPair().getPrivateKey())
        .isEqualTo(first.key().keyPair().getPrivateKey());
    assertThat(Keystore.load(file, pw).address()).isEqualTo(first.key().address());
  }

  @Test
  void fileIsOwnerReadWriteOnly() throws Exception {
    Path file = dir.resolve("node.json");
    Keystore.loadOrCreate(file, passwordFile("pw"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as("no temporary file left behind")
          .containsExactlyInAnyOrder("node.json", "password.txt");
    }
  }

  @Test
  void fileIsAStandardV3Keystore() throws Exception {
    Path file = dir.resolve("node.json");
    NodeKey key = Keystore.loadOrCreate(file, passwordFile("pw")).key();
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.get("version").asInt()).isEqualTo(3);
    assertThat(json.get("address").asText()).isEqualTo(key.address().hex().substring(2));
    assertThat(json.get("id").asText()).matches("[0-9a-f-]{36}");
    JsonNode crypto = json.get("crypto");
    assertThat(crypto.get("kdf").asText()).isEqualTo("scrypt");
    assertThat(crypto.get("cipher").asText()).isEqualTo("aes-128-ctr");
    assertThat(crypto.get("kdfparams").get("dklen").asInt()).isEqualTo(32);
    assertThat(crypto.get("kdfparams").get("n").asInt()).isGreaterThanOrEqualTo(4096);
    assertThat(crypto.get("ciphertext").asText()).matches("[0-9a-f]{64}");
    assertThat(crypto.get("mac").asText()).matches("[0-9a-f]{64}");
    assertThat(Files.readString(file)).doesNotContain(key.keyPair().getPrivateKey().toString(16));
  }

  @Test
  void wrongPasswordIsAClearError() throws Exception {
    Path file = dir.resolve("node.json");
    Keystore.loadOrCreate(file, passwordFile("right"));
    Path wrong = dir.resolve("wrong.txt");
    Files.writeString(wrong, "wrong");
    assertThatThrownBy(() -> Keystore.loadOrCreate(file, new Keystore.Password.FromFile(wrong)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot decrypt keystore " + file)
        .hasMessageContaining("wrong password");
  }

  @Test
  void passwordFileIsTrimmedAndMustNotBeEmptyOrMissing() throws Exception {
    Path f = dir.resolve("pw");
    Files.writeString(f, "  secret \n");
    assertThat(new Keystore.Password.FromFile(f).read()).isEqualTo("secret");
    Files.writeString(f, " \n");
    assertThatThrownBy(() -> new Keystore.Password.FromFile(f).read())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is empty");
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() ->
            Keystore.loadOrCreate(dir.resolve("k.json"), new Keystore.Password.FromFile(missing)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot read the password file");
    assertThat(dir.resolve("k.json")).as("no keystore without a password").doesNotExist();
  }

  @Test
  void unsetEnvironmentVariableIsAClearError() {
    String unset = "JGOLEM_TEST_SURELY_UNSET_" + Long.toHexString(System.nanoTime());
    assumeTrue(System.getenv(unset) == null);
    assertThatThrownBy(() ->
            Keystore.loadOrCreate(dir.resolve("k.json"), new Keystore.Password.FromEnv(unset)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("environment variable " + unset + " holds no password");
    assertThat(dir.resolve("k.json")).doesNotExist();
  }

  @Test
  void passwordFromAnEnvironmentVariableWorksLikeTheSameFromAFile() throws Exception {
    // PATH is set in any test environment; here it only serves as some non-empty string.
    String value = System.getenv("PATH");
    assumeTrue(value != null && !value.isBlank() && value.equals(value.strip()));
    Path file = dir.resolve("node.json");
    Keystore.Loaded created = Keystore.loadOrCreate(file, new Keystore.Password.FromEnv("PATH"));
    assertThat(created.created()).isTrue();
    assertThat(Keystore.load(file, passwordFile(value)).address())
        .isEqualTo(created.key().address());
    assertThatThrownBy(() -> Keystore.load(file, passwordFile(value + "x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writingAKnownKeyKeepsIt() throws Exception {
    NodeKey key = NodeKey.fromPrivateKey(java.math.BigInteger.valueOf(0xC0FFEE));
    Path file = dir.resolve("known.json");
    Keystore.write(file, key, passwordFile("pw"));
    assertThat(Keystore.load(file, passwordFile("pw")).address()).isEqualTo(key.address());
  }
}
