package org.jgolem.concent.service;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Concent's content-addressed storage as use case 5 sees it: whether an upload is held (verified
 * against its CID before it was kept), and the held files unpacked for a re-computation. A port:
 * the adapter is the storage's ({@code concent.storage}).
 */
public interface VerificationFiles {
  /** True if the storage holds the complete, verified DAG of {@code cid}. */
  boolean holds(String cid);

  /**
   * Fresh folders for one re-computation of {@code subtaskIdHex}: the resources and the result
   * unpacked from their held CARs, and an empty work folder.
   */
  Folders prepare(String subtaskIdHex, String resultCid, List<String> resourceCids)
      throws IOException;

  record Folders(Path resources, Path result, Path work) {}
}
