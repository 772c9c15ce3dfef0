package org.jgolem.it.concent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jgolem.concent.ConcentFixtures;
import org.jgolem.concent.storage.CarExport;
import org.jgolem.concent.time.CaseWindows;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.it.harness.ConcentWorld;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.messages.MessageType;
import org.jgolem.protocol.messages.concent.ForceGetTaskResult;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultDownload;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultFailed;
import org.jgolem.protocol.messages.concent.ForceGetTaskResultUpload;
import org.jgolem.protocol.messages.market.ReportComputedTask;
import org.jgolem.protocol.messages.market.TaskToCompute;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Use case 2: a provider that never serves its result to the requestor. The requestor forces the
 * transfer; Concent asks the provider to upload to its content-addressed storage. A provider that
 * then uploads lets the requestor download exactly the reported bytes (the CID must match); one
 * that does not leaves the requestor a signed verdict it can cite when it rejects.
 */
@Timeout(180)
class ProviderNeverServesResultTest {
  static final BigInteger PRICE = ConcentWorld.GNT;

  @Test
  void theProviderUploadsToConcentAndTheRequestorDownloadsTheReportedResult(@TempDir Path dir)
      throws Exception {
    try (ConcentWorld world = ConcentWorld.start(dir, BigInteger.ZERO)) {
      Path result = Files.createDirectories(dir.resolve("result"));
      Files.writeString(
          result.resolve("frame-0001.png"), "not really a png", StandardCharsets.UTF_8);
      Files.writeString(result.resolve("log.txt"), "rendered in 42 ms\n", StandardCharsets.UTF_8);
      ByteArrayOutputStream car = new ByteArrayOutputStream();
      Cid cid = CarExport.fromPath(result, car);
      Evidence e = evidence(world, 0x31, cid.toString(), car.size());

      ConcentWorld.Party requestor = world.requestor();
      ConcentWorld.Party provider = world.provider();
      assertThat(requestor.send(new ForceGetTaskResult(e.ttcFrame, e.rctFrame))).isNull();
      ForceGetTaskResultUpload upload =
          provider.awaitMessage(
              MessageType.FORCE_GET_TASK_RESULT_UPLOAD,
              ForceGetTaskResultUpload.class,
              Duration.ofSeconds(30));
      assertThat(upload.resultCid()).isEqualTo(cid.toString());

      provider.client().uploadResult(cid.toString(), car.toByteArray());
      ForceGetTaskResultDownload ready =
          requestor.awaitMessage(
              MessageType.FORCE_GET_TASK_RESULT_DOWNLOAD,
              ForceGetTaskResultDownload.class,
              Duration.ofSeconds(30));
      assertThat(ready.resultCid()).isEqualTo(cid.toString());
      assertThat(requestor.client().downloadResult(cid.toString()))
          .as("the bytes the provider reported, as uploaded")
          .isEqualTo(car.toByteArray());
    }
  }

  @Test
  void aProviderThatNeverUploadsLeavesTheRequestorASignedVerdict(@TempDir Path dir)
      throws Exception {
    try (ConcentWorld world = ConcentWorld.start(dir, BigInteger.ZERO)) {
      Evidence e =
          evidence(
              world, 0x32, "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u", 1000);
      ConcentWorld.Party requestor = world.requestor();
      assertThat(requestor.send(new ForceGetTaskResult(e.ttcFrame, e.rctFrame))).isNull();

      long uploadBy =
          new CaseWindows(world.windows()).uploadDeadline(e.ttc.deadline(), e.rct.size());
      world.clock().set(uploadBy + 1);
      ForceGetTaskResultFailed verdict =
          requestor.awaitMessage(
              MessageType.FORCE_GET_TASK_RESULT_FAILED,
              ForceGetTaskResultFailed.class,
              Duration.ofSeconds(30));
      assertThat(verdict.reportHash()).isEqualTo(e.rct.structHash());
      assertThat(verdict.taskToComputeHash()).isEqualTo(e.ttc.structHash());
      // Signed by Concent: anyone can check it with the codec.
      assertThat(
              requestor.inbox().stream()
                  .filter(m -> m.type() == MessageType.FORCE_GET_TASK_RESULT_FAILED)
                  .findFirst()
                  .orElseThrow()
                  .sender())
          .isEqualTo(world.concentAddress());
    }
  }

  private record Evidence(
      TaskToCompute ttc, byte[] ttcFrame, ReportComputedTask rct, byte[] rctFrame) {}

  /** A subtask assigned now, due in ten minutes, reported with {@code cid} just now. */
  private static Evidence evidence(ConcentWorld world, int n, String cid, long size) {
    ConcentFixtures f = world.fixtures();
    long now = world.clock().millis();
    TaskToCompute ttc =
        ConcentFixtures.taskToCompute(
            n,
            PRICE,
            now + Duration.ofMinutes(10).toMillis(),
            ConcentFixtures.REQUESTOR,
            ConcentFixtures.PROVIDER,
            f.notes());
    ReportComputedTask rct =
        ReportComputedTask.answering(
            ttc, cid, Keccak.keccak256(cid.getBytes(StandardCharsets.UTF_8)), size, 1_000);
    return new Evidence(
        ttc,
        f.frame(ttc, ConcentFixtures.REQUESTOR, now),
        rct,
        f.frame(rct, ConcentFixtures.PROVIDER, now + 1_000));
  }
}
