package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jgolem.concent.api.ConcentApi;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.ConcentClientException;
import org.jgolem.concent.storage.CarExport;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.protocol.hashing.Keccak;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.p2p.Ping;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A slow upload holds a transfer slot, not the server: messages keep flowing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransferLimitTest {
  @TempDir Path dir;

  private static long tempFiles(Path storage) throws Exception {
    try (Stream<Path> s = Files.list(storage.resolve("tmp"))) {
      return s.count();
    }
  }

  @Test
  void aSlowUploadTakesTheOnlyTransferSlotAndTheRestIsServed() throws Exception {
    Path result = dir.resolve("result.bin");
    byte[] data = new byte[300 * 1024];
    new Random(5).nextBytes(data);
    Files.write(result, data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Cid root = CarExport.fromPath(result, out);
    byte[] car = out.toByteArray();
    NodeKey provider = NodeKey.generate();
    // 4 threads: one transfer at a time
    try (TestConcent concent =
            new TestConcent(dir.resolve("concent"), new InMemoryNonceLedger(), 1 << 20, 4);
        ConcentClient client = concent.client(provider);
        Socket slow = new Socket("127.0.0.1", concent.server.address().getPort())) {
      concent.api.expectedUploads.add(provider.address() + "/" + root);
      String path = "/api/v1/storage/" + root;
      String head =
          "PUT "
              + path
              + " HTTP/1.1\r\nHost: concent\r\nContent-Type: application/vnd.ipld.car\r\n"
              + "Concent-Auth: "
              + client.authorization("PUT", path, Keccak.keccak256(car))
              + "\r\nContent-Length: "
              + car.length
              + "\r\n\r\n";
      OutputStream so = slow.getOutputStream();
      so.write(head.getBytes(StandardCharsets.US_ASCII));
      so.write(car, 0, car.length / 2);
      so.flush();
      Await.until(
          Duration.ofSeconds(20),
          () -> {
            try {
              return tempFiles(concent.storage.dir()) == 1;
            } catch (Exception e) {
              return false;
            }
          },
          () -> "the slow upload did not start");

      assertThatThrownBy(() -> client.uploadResult(root.toString(), car))
          .isInstanceOfSatisfying(
              ConcentClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("server.busy");
              });
      concent.api.onSend = (c, f) -> ConcentApi.SendResult.queued();
      assertThat(client.send(concent.codec.seal(new Ping(1), provider, concent.clock))).isEmpty();

      so.write(car, car.length / 2, car.length - car.length / 2);
      so.flush();
      InputStream si = slow.getInputStream();
      String status = new String(si.readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(status).isEqualTo("HTTP/1.1 201");
      assertThat(concent.storage.find(root)).isPresent();
      client.uploadResult(root.toString(), car); // the slot is free again
      assertThat(concent.api.uploaded).hasSize(2);
    }
  }
}
