package org.jgolem.concent.verify.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.jgolem.compute.ExecutionResult;
import org.jgolem.compute.TaskComputer;
import org.jgolem.concent.verify.Dispute;
import org.jgolem.concent.verify.Judgement;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled;
import org.jgolem.protocol.messages.concent.SubtaskResultsSettled.Method;
import org.jgolem.protocol.messages.concent.VerificationCheck;
import org.jgolem.tasks.FileResults;

/**
 * gWASM: the subtask runs again in Concent's WASM sandbox, deterministically (the provider's run id
 * seeds the same virtual clock and random), and every output file's SHA-256 is compared with the
 * provider's: one {@code DIGEST} check per file either side holds, {@code expected} the provider's
 * digest and {@code actual} Concent's (as {@link VerificationCheck} documents). A file that one
 * side lacks has the digest {@link #ABSENT}. When the run itself fails (a trap, a crash, a loop
 * past the subtask's own limit, too much output), a further check {@code run} compares the digest
 * of the provider's whole result with {@link #ABSENT}: no result is right for a subtask that fails.
 */
final class GwasmRecheck {
  /**
   * The digest of a file that is not there: 32 zero bytes, which no file's SHA-256 is known to be.
   */
  static final byte[] ABSENT = new byte[32];

  private GwasmRecheck() {}

  static Judgement judge(TaskComputer computer, Dispute d, Duration timeLimit)
      throws SandboxRun.ConcentFailure, IOException {
    Path out = Files.createDirectories(d.work().resolve("output"));
    ExecutionResult r =
        SandboxRun.run(
            computer,
            d.taskToCompute().subtaskId(),
            d.taskToCompute().definition(),
            d.resources(),
            Files.createDirectories(d.work().resolve("work")),
            out,
            timeLimit);
    List<VerificationCheck> checks = compare(d.result(), r.succeeded() ? out : null);
    String detail;
    if (!r.succeeded()) {
      checks.add(VerificationCheck.digest("run", "", wholeDigest(d.result()), ABSENT.clone()));
      detail = "the subtask failed in Concent's sandbox (" + r.failure().orElseThrow() + ")";
    } else {
      long wrong = checks.stream().filter(c -> !c.passed()).count();
      detail =
          wrong == 0
              ? "all " + checks.size() + " output files match Concent's re-computation"
              : wrong
                  + " of "
                  + checks.size()
                  + " output files differ from Concent's re-computation: "
                  + String.join(
                      ", ", checks.stream().filter(c -> !c.passed()).map(c -> c.path()).toList());
    }
    return Judgement.of(Method.GWASM_DIGEST, SandboxRecomputer.clip(detail), checks);
  }

  /**
   * One digest check per file of {@code provider} or {@code concent} (null: Concent has none), by
   * path; past {@link SubtaskResultsSettled#MAX_CHECKS} - 1 files, one check of the whole folders.
   */
  static List<VerificationCheck> compare(Path provider, Path concent) throws IOException {
    TreeSet<String> paths = new TreeSet<>(FileResults.list(provider));
    if (concent != null) paths.addAll(FileResults.list(concent));
    List<VerificationCheck> checks = new ArrayList<>();
    if (paths.size() > SubtaskResultsSettled.MAX_CHECKS - 1) {
      checks.add(
          VerificationCheck.digest(
              "all files",
              "",
              wholeDigest(provider),
              concent == null ? ABSENT.clone() : FileResults.digest(concent)));
      return checks;
    }
    int i = 0;
    for (String p : paths) {
      i++;
      String path =
          p.length() > VerificationCheck.MAX_PATH ? p.substring(0, VerificationCheck.MAX_PATH) : p;
      checks.add(
          VerificationCheck.digest(
              "file " + i,
              path,
              digestOf(provider, p),
              concent == null ? ABSENT.clone() : digestOf(concent, p)));
    }
    return checks;
  }

  /**
   * {@link FileResults#digest} of a whole result; a result holding something other than regular
   * files (which no honest run leaves) has the digest of 32 bytes of 0xff, never {@link #ABSENT}.
   */
  static byte[] wholeDigest(Path folder) {
    try {
      return FileResults.digest(folder);
    } catch (IOException e) {
      byte[] b = new byte[32];
      java.util.Arrays.fill(b, (byte) 0xff);
      return b;
    }
  }

  private static byte[] digestOf(Path folder, String path) throws IOException {
    Path f = folder.resolve(path);
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return ABSENT.clone();
    return FileResults.sha256(f);
  }
}
