package org.jgolem.concent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jgolem.concent.client.ConcentClient;
import org.jgolem.concent.client.ConcentClientException;
import org.jgolem.concent.storage.CarExport;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.car.CarWriter;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.protocol.identity.NodeKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Concent's result storage over HTTP: verified uploads, downloads, refusals. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StorageRoutesTest {
  @TempDir Path dir;
  TestConcent concent;
  final NodeKey provider = NodeKey.generate();
  final NodeKey requestor = NodeKey.generate();
  ConcentClient providerClient;
  ConcentClient requestorClient;
  Cid root;
  byte[] car;

  @BeforeEach
  void start() throws Exception {
    concent = new TestConcent(dir.resolve("concent"));
    providerClient = concent.client(provider);
    requestorClient = concent.client(requestor);
    Path result = dir.resolve("result");
    Files.createDirectories(result.resolve("sub"));
    byte[] big = new byte[600 * 1024]; // three chunks and their parent
    new Random(7).nextBytes(big);
    Files.write(result.resolve("frame-0001.png"), big);
    Files.writeString(result.resolve("log.txt"), "rendered 1 frame\n");
    Files.writeString(result.resolve("sub").resolve("meta.json"), "{}\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    root = CarExport.fromPath(result, out);
    car = out.toByteArray();
  }

  @AfterEach
  void stop() {
    providerClient.close();
    requestorClient.close();
    concent.close();
  }

  private void expectUpload() {
    concent.api.expectedUploads.add(provider.address() + "/" + root);
  }

  private List<Path> stored() throws Exception {
    try (Stream<Path> s = Files.walk(concent.storage.dir())) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private void assertRefusedAndNothingKept(byte[] upload, int status, String code, String words)
      throws Exception {
    assertThatThrownBy(() -> providerClient.uploadResult(root.toString(), upload))
        .isInstanceOfSatisfying(
            ConcentClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.code()).isEqualTo(code);
            })
        .hasMessageContaining(words);
    assertThat(stored()).isEmpty();
    assertThat(concent.api.uploaded).isEmpty();
  }

  /** The CAR with its blocks passed through {@code edit} (null drops the block). */
  private byte[] rewrite(byte[] original, List<Cid> roots, UnaryOperator<CarReader.Block> edit)
      throws Exception {
    CarReader r = new CarReader(new ByteArrayInputStream(original), 4 << 20);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CarWriter.writeHeader(out, roots);
    CarReader.Block b;
    while ((b = r.next()) != null) {
      CarReader.Block e = edit.apply(b);
      if (e != null) {
        CarWriter.writeBlock(out, e.cid(), e.data(), 0, e.data().length);
      }
    }
    return out.toByteArray();
  }

  @Test
  void anExpectedCompleteCarIsStoredAndDownloadedByteIdentical() throws Exception {
    expectUpload();
    providerClient.uploadResult(root.toString(), car);
    assertThat(concent.api.uploaded).containsExactly(provider.address() + "/" + root);
    assertThat(stored()).containsExactly(concent.storage.dir().resolve(root + ".car"));

    concent.api.allowedDownloads.add(requestor.address() + "/" + root);
    assertThat(requestorClient.downloadResult(root.toString())).isEqualTo(car);
    Path target = dir.resolve("downloaded.car");
    requestorClient.downloadResult(root.toString(), target);
    assertThat(Files.readAllBytes(target)).isEqualTo(car);
  }

  @Test
  void anUploadFromAFileWorksToo() throws Exception {
    expectUpload();
    Path file = dir.resolve("upload.car");
    Files.write(file, car);
    providerClient.uploadResult(root.toString(), file);
    assertThat(Files.readAllBytes(concent.storage.find(root).orElseThrow())).isEqualTo(car);
  }

  @Test
  void anUnexpectedUploadIs403AndNothingIsKept() throws Exception {
    assertRefusedAndNothingKept(car, 403, "storage.refused", "waits for an upload");
  }

  @Test
  void aCorruptedBlockIs422AndNothingIsKept() throws Exception {
    expectUpload();
    int[] seen = {0};
    byte[] corrupt =
        rewrite(
            car,
            List.of(root),
            b -> {
              if (++seen[0] == 2) {
                byte[] d = b.data().clone();
                d[d.length / 2] ^= 0x40;
                return new CarReader.Block(b.cid(), d);
              }
              return b;
            });
    assertRefusedAndNothingKept(corrupt, 422, "storage.invalid_car", "is corrupted");
  }

  @Test
  void aMissingBlockIs422AndNothingIsKept() throws Exception {
    expectUpload();
    int[] seen = {0};
    byte[] incomplete = rewrite(car, List.of(root), b -> ++seen[0] == 1 ? null : b);
    assertRefusedAndNothingKept(incomplete, 422, "storage.invalid_car", "is missing");
  }

  @Test
  void aWrongRootIs422AndNothingIsKept() throws Exception {
    expectUpload();
    Path other = dir.resolve("other.txt");
    Files.writeString(other, "another result");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Cid otherRoot = CarExport.fromPath(other, out);
    assertRefusedAndNothingKept(
        out.toByteArray(), 422, "storage.invalid_car", otherRoot.toString());
    // and a CAR naming the right root but holding blocks of another DAG besides
    List<Cid> roots = new ArrayList<>(List.of(root));
    byte[] extra = car.clone();
    ByteArrayOutputStream plus = new ByteArrayOutputStream();
    plus.write(extra);
    CarWriter.writeBlock(plus, otherRoot, "another result".getBytes(), 0, 14);
    assertRefusedAndNothingKept(plus.toByteArray(), 422, "storage.invalid_car", "not part of");
    assertThat(roots).containsExactly(root);
  }

  @Test
  void anUploadWhoseBodyIsNotTheSignedOneIs401AndNothingIsKept() throws Exception {
    expectUpload();
    String path = "/api/v1/storage/" + root;
    byte[] other = car.clone();
    other[other.length - 1] ^= 1;
    String header =
        providerClient.authorization(
            "PUT", path, org.jgolem.protocol.hashing.Keccak.keccak256(car));
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(concent.uri() + path))
                    .header("Concent-Auth", header)
                    .header("Content-Type", "application/vnd.ipld.car")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(other))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("auth.body_mismatch");
    assertThat(stored()).isEmpty();
    assertThat(concent.api.uploaded).isEmpty();
  }

  @Test
  void garbageAndTooLargeUploadsAreRefused() throws Exception {
    expectUpload();
    assertRefusedAndNothingKept("not a car".getBytes(), 422, "storage.invalid_car", "CAR");
    concent.close();
    concent = new TestConcent(dir.resolve("small"), new InMemoryNonceLedger(), 4096);
    expectUpload(); // the CAR is 600 KiB
    try (ConcentClient c = concent.client(provider)) {
      assertThatThrownBy(() -> c.uploadResult(root.toString(), car))
          .isInstanceOfSatisfying(
              ConcentClientException.class, e -> assertThat(e.status()).isEqualTo(413));
    }
    assertThat(stored()).isEmpty();
  }

  @Test
  void downloadsAreRefusedToOthersAnd404WhenNotStored() throws Exception {
    assertThatThrownBy(() -> requestorClient.downloadResult(root.toString()))
        .isInstanceOfSatisfying(
            ConcentClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.code()).isEqualTo("storage.refused");
            });
    concent.api.allowedDownloads.add(requestor.address() + "/" + root);
    assertThatThrownBy(() -> requestorClient.downloadResult(root.toString()))
        .isInstanceOfSatisfying(
            ConcentClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.code()).isEqualTo("storage.not_found");
            });
    assertThatThrownBy(() -> requestorClient.downloadResult("not-a-cid"))
        .isInstanceOfSatisfying(
            ConcentClientException.class, e -> assertThat(e.code()).isEqualTo("storage.bad_cid"));
  }
}
