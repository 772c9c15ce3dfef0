package org.jgolem.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jgolem.node.cli.CliHarness.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code golem node start}: the DaemonLauncher found with ServiceLoader, or a clear failure. */
class CliNodeStartTest {
  @TempDir Path dir;

  /** Found through a META-INF/services file written by the test. */
  public static final class RecordingLauncher implements DaemonLauncher {
    static final List<String> RUNS = new ArrayList<>();

    @Override
    public int run(Path configFile, Path dataDir, boolean provider, boolean requestor)
        throws Exception {
      if (configFile.getFileName().toString().equals("broken.conf")) {
        throw new IllegalStateException("p2p.listenPort must be in 0..65535");
      }
      RUNS.add(configFile + " " + dataDir + " provider=" + provider + " requestor=" + requestor);
      return 3;
    }
  }

  @AfterEach
  void clear() {
    RecordingLauncher.RUNS.clear();
  }

  private static final String SERVICE = "META-INF/services/" + DaemonLauncher.class.getName();

  /**
   * A class path whose only DaemonLauncher service file is the test's: the build's own launcher
   * (the real daemon) is hidden, so each test decides which launchers exist.
   */
  private ClassLoader withLaunchers(String... classNames) throws IOException {
    Path services = dir.resolve("cp/META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve(DaemonLauncher.class.getName()), String.join("\n", classNames) + "\n");
    return new URLClassLoader(
        new java.net.URL[] {dir.resolve("cp").toUri().toURL()}, withoutLaunchers()) {
      @Override
      public java.util.Enumeration<java.net.URL> getResources(String name) throws IOException {
        return name.equals(SERVICE) ? findResources(name) : super.getResources(name);
      }
    };
  }

  /** The test class path with no DaemonLauncher service file at all. */
  private ClassLoader withoutLaunchers() {
    return new ClassLoader(getClass().getClassLoader()) {
      @Override
      public java.util.Enumeration<java.net.URL> getResources(String name) throws IOException {
        return name.equals(SERVICE)
            ? java.util.Collections.emptyEnumeration()
            : super.getResources(name);
      }
    };
  }

  private Path config(String name) throws IOException {
    return Files.writeString(dir.resolve(name), "{}\n");
  }

  @Test
  void theBuildsOwnDaemonIsTheLauncherOnTheClassPath() {
    assertThat(
            java.util.ServiceLoader.load(DaemonLauncher.class).stream()
                .map(p -> p.type().getName())
                .toList())
        .containsExactly("org.jgolem.node.daemon.Launcher");
  }

  @Test
  void withoutADaemonOnTheClassPathItSaysSo() throws IOException {
    Path config = config("node.conf");
    Result r =
        CliHarness.run(
            Map.of(), false, withoutLaunchers(), "node", "start", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "golem: error: this jgolem build has no node daemon: no implementation of"
                + " org.jgolem.node.cli.DaemonLauncher is on the class path (looked up with ServiceLoader, from"
                + " META-INF/services/org.jgolem.node.cli.DaemonLauncher). The other golem commands talk to a node started"
                + " by a build that has one.\n");
  }

  @Test
  void theLauncherRunsWithTheRolesAndDataFolder() throws IOException {
    ClassLoader loader = withLaunchers(RecordingLauncher.class.getName());
    Path config = config("node.conf");
    Path data = dir.resolve("data");
    Result both =
        CliHarness.run(
            Map.of("JGOLEM_DATA", data.toString()),
            false,
            loader,
            "node",
            "start",
            "-c",
            config.toString());
    assertThat(both.exit()).as(both.toString()).isEqualTo(3);
    Result provider =
        CliHarness.run(
            Map.of(),
            false,
            loader,
            "node",
            "start",
            "--config",
            config.toString(),
            "--provider",
            "--data-dir",
            data.resolve("p").toString());
    assertThat(provider.exit()).isEqualTo(3);
    Result requestor =
        CliHarness.run(
            Map.of("JGOLEM_DATA", data.toString()),
            false,
            loader,
            "node",
            "start",
            "--config",
            config.toString(),
            "--requestor");
    assertThat(requestor.exit()).isEqualTo(3);
    assertThat(RecordingLauncher.RUNS)
        .containsExactly(
            config + " " + data + " provider=true requestor=true",
            config + " " + data.resolve("p") + " provider=true requestor=false",
            config + " " + data + " provider=false requestor=true");
  }

  @Test
  void aFailingStartIsExit1WithItsMessage() throws IOException {
    ClassLoader loader = withLaunchers(RecordingLauncher.class.getName());
    Result r =
        CliHarness.run(
            Map.of(), false, loader, "node", "start", "--config", config("broken.conf").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("golem: error: the node failed: p2p.listenPort must be in 0..65535\n");
  }

  @Test
  void aMissingConfigFileIsAUsageError() throws IOException {
    ClassLoader loader = withLaunchers(RecordingLauncher.class.getName());
    Path missing = dir.resolve("missing.conf");
    Result r =
        CliHarness.run(Map.of(), false, loader, "node", "start", "--config", missing.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("the configuration file " + missing + " does not exist");
    assertThat(RecordingLauncher.RUNS).isEmpty();
  }

  @Test
  void aBrokenServiceFileIsReported() throws IOException {
    ClassLoader loader = withLaunchers("org.example.NoSuchLauncher");
    Result r =
        CliHarness.run(
            Map.of(), false, loader, "node", "start", "--config", config("node.conf").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("golem: error: the node daemon could not be loaded: ")
        .contains("org.example.NoSuchLauncher");
  }
}
