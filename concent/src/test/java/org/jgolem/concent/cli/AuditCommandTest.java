package org.jgolem.concent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code golem-concent audit} as a user runs it, on the golden bundle (a settled forced
 * acceptance): each check on its own line, CONSISTENT and exit 0; a tampered copy INCONSISTENT,
 * named, exit 1; what cannot be judged exit 2.
 */
@Timeout(60)
class AuditCommandTest {
  static final Path GOLDEN =
      Path.of("src/test/resources/org/jgolem/concent/audit/golden-bundle.cbor");

  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    ConcentMain main =
        new ConcentMain(Map.of(), new ConcentAssembly(), Clock.systemUTC(), new CountDownLatch(1));
    return ConcentMain.commandLine(main, new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(args);
  }

  private String[] lines() {
    return out.toString().strip().split("\n");
  }

  @Test
  void theGoldenBundleIsConsistent() {
    assertThat(run("audit", GOLDEN.toString())).isZero();
    String[] lines = lines();
    assertThat(lines[lines.length - 1]).isEqualTo("CONSISTENT");
    assertThat(out.toString())
        .contains("ok  bundle-signature")
        .contains("ok  verdict")
        .contains("ok  window")
        .contains("ok  promissory-note")
        .contains("ok  chain              not checked (offline");
    assertThat(lines.length).isGreaterThan(10);
  }

  @Test
  void recomputeSaysThereIsNothingToRecompute() {
    assertThat(run("audit", GOLDEN.toString(), "--recompute")).isZero();
    assertThat(out.toString()).contains("ok  recompute          nothing to recompute");
    assertThat(lines()[lines().length - 1]).isEqualTo("CONSISTENT");
  }

  @Test
  void aTamperedBundleIsInconsistentAndNamed() throws Exception {
    byte[] b = Files.readAllBytes(GOLDEN);
    b[b.length - 3] ^= 0x01; // in Concent's signature, the file's last field
    Path tampered = Files.write(dir.resolve("tampered.cbor"), b);
    assertThat(run("audit", tampered.toString())).isEqualTo(1);
    assertThat(lines()[lines().length - 1]).startsWith("INCONSISTENT bundle-signature: ");
  }

  @Test
  void whatCannotBeJudgedExitsTwo() throws Exception {
    assertThat(run("audit", dir.resolve("missing.cbor").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("cannot read");
    Path junk = Files.write(dir.resolve("junk.cbor"), new byte[] {(byte) 0xa1, 0x61});
    assertThat(run("audit", junk.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("cannot judge");
    assertThat(run("audit")).as("no BUNDLE: a usage error").isEqualTo(2);
  }
}
