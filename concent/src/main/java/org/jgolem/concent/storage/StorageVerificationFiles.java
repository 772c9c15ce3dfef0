package org.jgolem.concent.storage;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jgolem.concent.service.VerificationFiles;
import org.jgolem.ipfs.car.CarReader;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;
import org.jgolem.ipfs.unixfs.DagReader;

/**
 * Use case 5's view of the {@link ResultStorage}: an upload is held when its verified CAR is
 * stored, and a re-computation gets the result and the resources exported from their CARs into
 * fresh folders under {@code workRoot} ({@code <subtask>-<n>/resources}, {@code result}, {@code
 * work}). A CAR is read into memory to export it (its blocks were verified against their CIDs when
 * it was kept): fine for the results and resources of a subtask, not for huge ones.
 */
public final class StorageVerificationFiles implements VerificationFiles {
  private final ResultStorage storage;
  private final Path workRoot;

  public StorageVerificationFiles(ResultStorage storage, Path workRoot) {
    this.storage = Objects.requireNonNull(storage, "storage");
    this.workRoot = Objects.requireNonNull(workRoot, "workRoot");
  }

  @Override
  public boolean holds(String cid) {
    try {
      return storage.has(Cid.parse(cid));
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public Folders prepare(String subtaskIdHex, String resultCid, List<String> resourceCids)
      throws IOException {
    Files.createDirectories(workRoot);
    Path root = Files.createTempDirectory(workRoot, subtaskIdHex.replace("0x", "") + "-");
    Path resources = root.resolve("resources");
    Files.createDirectory(resources);
    for (String cid : resourceCids) {
      export(cid, resources.resolve(Cid.parse(cid).toString()));
    }
    Path result = root.resolve("result");
    export(resultCid, result);
    Path work = Files.createDirectory(root.resolve("work"));
    return new Folders(resources, result, work);
  }

  private void export(String cidText, Path target) throws IOException {
    Cid cid = Cid.parse(cidText);
    Path car =
        storage
            .find(cid)
            .orElseThrow(() -> new IOException("the storage does not hold " + cidText));
    Map<Cid, byte[]> blocks = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(car), 1 << 16)) {
      CarReader reader = new CarReader(in, BlockStore.MAX_BLOCK_SIZE);
      for (CarReader.Block b = reader.next(); b != null; b = reader.next()) {
        blocks.put(b.cid(), b.data());
      }
    }
    new DagReader(
            c -> {
              byte[] b = blocks.get(c);
              if (b == null) {
                throw new IOException("block " + c + " is missing from the CAR of " + cidText);
              }
              return b;
            },
            false)
        .export(cid, target);
  }
}
