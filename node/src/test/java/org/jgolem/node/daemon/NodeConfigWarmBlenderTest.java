package org.jgolem.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider's {@code warmBlender} setting: off by default, checked against the Docker settings,
 * errors by JSON path.
 */
class NodeConfigWarmBlenderTest {
  static final String IMAGE = "sha256:" + "ab".repeat(32);

  @TempDir Path tmp;

  private NodeConfig read(String provider) throws Exception {
    return NodeConfig.read(
        Files.writeString(tmp.resolve("node.json"), "{\"provider\": " + provider + "}"));
  }

  @Test
  void offUnlessGivenAndReadWithItsDefaults() throws Exception {
    assertThat(read("{\"docker\": true, \"dockerImages\": [\"" + IMAGE + "\"]}").warmBlender())
        .isNull();
    NodeConfig c =
        read(
            "{\"docker\": true, \"dockerImages\": [\""
                + IMAGE
                + "\"], \"warmBlender\": {\"image\": \""
                + IMAGE
                + "\"}}");
    assertThat(c.warmBlender()).isEqualTo(new NodeConfig.WarmBlender(IMAGE, 1, 1024));
    c =
        read(
            "{\"docker\": true, \"dockerImages\": [\""
                + IMAGE
                + "\"], \"warmBlender\": {\"image\": \""
                + IMAGE
                + "\", \"cpus\": 2, \"memoryMib\": 2048}}");
    assertThat(c.warmBlender()).isEqualTo(new NodeConfig.WarmBlender(IMAGE, 2, 2048));
    assertThat(c.withRoles(true, false).warmBlender()).isEqualTo(c.warmBlender());
  }

  @Test
  void aWarmBlenderTheDockerSettingsCannotServeIsRefusedNamingWhatIsWrong() {
    String other = "sha256:" + "cd".repeat(32);
    assertThatThrownBy(() -> read("{\"warmBlender\": {\"image\": \"" + IMAGE + "\"}}"))
        .hasMessageContaining(
            "$.provider.warmBlender.image: must be one of $.provider.dockerImages")
        .hasMessageContaining("$.provider.warmBlender: needs \"docker\": true");
    assertThatThrownBy(() ->
            read(
                "{\"docker\": true, \"dockerImages\": [\""
                    + IMAGE
                    + "\"], \"warmBlender\": {\"image\": \""
                    + other
                    + "\", \"cpus\": 0, \"threads\": 2}}"))
        .hasMessageContaining(
            "$.provider.warmBlender.image: must be one of $.provider.dockerImages")
        .hasMessageContaining("$.provider.warmBlender.cpus: must be an integer in 1..64")
        .hasMessageContaining("$.provider.warmBlender.threads: unknown field");
    assertThatThrownBy(() -> read("{\"docker\": true, \"warmBlender\": {}}"))
        .hasMessageContaining("$.provider.warmBlender.image: is required");
    assertThatThrownBy(() -> read("{\"docker\": true, \"warmBlender\": true}"))
        .hasMessageContaining("$.provider.warmBlender: must be an object");
  }
}
