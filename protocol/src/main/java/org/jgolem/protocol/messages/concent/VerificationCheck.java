package org.jgolem.protocol.messages.concent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.jgolem.protocol.messages.InvalidMessageException;
import org.jgolem.protocol.messages.market.Rules;

/**
 * One check Concent made when it re-computed a disputed subtask (use case 5), as its verdict {@link
 * SubtaskResultsSettled} records it for an auditor: what was compared ({@code kind}), on which part
 * of the result ({@code path}, a file of the result, empty for the whole), whether it passed, and
 * the values compared. One list of named checks rather than one field per method: a new method adds
 * a {@link Kind} and its rules, not fields.
 *
 * <ul>
 *   <li>{@link Kind#DIGEST} (gWASM): {@code expected} is the digest of the provider's output,
 *       {@code actual} the digest of Concent's run; passed if and only if they are equal. No crop,
 *       no score.
 *   <li>{@link Kind#SSIM} (Blender): {@code crop} is the rectangle Concent chose and re-rendered,
 *       {@code score} its SSIM against the provider's pixels and {@code threshold} the task's, both
 *       in millionths (0.94 is 940000); passed if and only if {@code score >= threshold}, the
 *       requestor's own rule. {@code expected}/{@code actual} may hold digests of the provider's
 *       and Concent's crops (or nothing).
 *   <li>{@link Kind#DETERMINISTIC} (Docker): the template's deterministic check; {@code expected}
 *       and {@code actual} the digests of the provider's and Concent's outputs, passed if and only
 *       if they are equal; both empty and not passed when the template declares no such check.
 *   <li>{@link Kind#UPLOAD}: the provider's upload of the result and resources (passed) or its
 *       absence by the deadline (not passed). No values.
 * </ul>
 *
 * @param name the check's name, for a person (e.g. {@code "crop 1"}, {@code "digest"})
 * @param kind what was compared
 * @param path the result's file the check is about, empty for the whole result
 * @param passed whether the provider's result passed it
 * @param expected the provider's value (0..64 bytes)
 * @param actual Concent's value (0..64 bytes)
 * @param crop the rectangle, for {@link Kind#SSIM}; {@link Crop#NONE} otherwise
 * @param score the score in millionths, for {@link Kind#SSIM}; 0 otherwise
 * @param threshold the pass mark in millionths, for {@link Kind#SSIM}; 0 otherwise
 */
@JsonPropertyOrder({
  "name",
  "kind",
  "path",
  "passed",
  "expected",
  "actual",
  "crop",
  "score",
  "threshold"
})
public record VerificationCheck(
    String name,
    Kind kind,
    String path,
    boolean passed,
    byte[] expected,
    byte[] actual,
    Crop crop,
    long score,
    long threshold) {

  /** What a check compares. The names are the wire form: append only, never rename. */
  public enum Kind {
    DIGEST,
    SSIM,
    DETERMINISTIC,
    UPLOAD
  }

  /** A rectangle of a rendered image, in pixels from its top left corner. */
  @JsonPropertyOrder({"x", "y", "width", "height"})
  public record Crop(int x, int y, int width, int height) {
    /** No rectangle. */
    public static final Crop NONE = new Crop(0, 0, 0, 0);

    @JsonIgnore
    public boolean isNone() {
      return equals(NONE);
    }

    void validate(String field) {
      Rules.range(field + ".x", x, 0, MAX_PIXELS);
      Rules.range(field + ".y", y, 0, MAX_PIXELS);
      Rules.range(field + ".width", width, 1, MAX_PIXELS);
      Rules.range(field + ".height", height, 1, MAX_PIXELS);
    }

    @Override
    public String toString() {
      return width + "x" + height + "+" + x + "+" + y;
    }
  }

  public static final int MAX_NAME = 64;
  public static final int MAX_PATH = 1024;
  public static final int MAX_VALUE = 64;
  public static final int MAX_PIXELS = 1 << 16;
  public static final long ONE = 1_000_000;

  /** A gWASM digest comparison. */
  public static VerificationCheck digest(String name, String path, byte[] expected, byte[] actual) {
    return new VerificationCheck(
        name,
        Kind.DIGEST,
        path,
        Arrays.equals(expected, actual),
        expected,
        actual,
        Crop.NONE,
        0,
        0);
  }

  /** A Blender crop compared by SSIM, {@code score} and {@code threshold} in millionths. */
  public static VerificationCheck ssim(
      String name, String path, Crop crop, long score, long threshold) {
    return new VerificationCheck(
        name,
        Kind.SSIM,
        path,
        score >= threshold,
        new byte[0],
        new byte[0],
        crop,
        score,
        threshold);
  }

  /** The upload of the result and resources arrived ({@code passed}) or not. */
  public static VerificationCheck upload(String name, boolean passed) {
    return new VerificationCheck(
        name, Kind.UPLOAD, "", passed, new byte[0], new byte[0], Crop.NONE, 0, 0);
  }

  /** Form and consistency rules, with {@code field} as the prefix of the name reported. */
  public void validate(String field) {
    Rules.string(field + ".name", name, 1, MAX_NAME);
    Rules.present(field + ".kind", kind);
    Rules.string(field + ".path", path, 0, MAX_PATH);
    value(field + ".expected", expected);
    value(field + ".actual", actual);
    Rules.present(field + ".crop", crop);
    if (kind == Kind.SSIM) {
      crop.validate(field + ".crop");
      Rules.range(field + ".score", score, -ONE, ONE);
      Rules.range(field + ".threshold", threshold, -ONE, ONE);
      if (passed != (score >= threshold)) {
        throw InvalidMessageException.invalid(
            field + ".passed", "must be score >= threshold (" + score + " vs " + threshold + ")");
      }
      return;
    }
    if (!crop.isNone()) {
      throw InvalidMessageException.invalid(field + ".crop", "must be NONE for " + kind);
    }
    if (score != 0 || threshold != 0) {
      throw InvalidMessageException.invalid(field + ".score", "must be 0 for " + kind);
    }
    switch (kind) {
      case DIGEST -> {
        if (expected.length == 0 || actual.length == 0) {
          throw InvalidMessageException.invalid(field + ".expected", "must hold both digests");
        }
        requireEquality(field, passed);
      }
      case DETERMINISTIC -> {
        if (expected.length == 0 && actual.length == 0) {
          if (passed) {
            throw InvalidMessageException.invalid(
                field + ".passed", "must be false without a deterministic check");
          }
        } else {
          requireEquality(field, passed);
        }
      }
      case UPLOAD -> {
        if (expected.length != 0 || actual.length != 0) {
          throw InvalidMessageException.invalid(field + ".expected", "must be empty for " + kind);
        }
      }
      case SSIM -> throw new AssertionError("handled above");
    }
  }

  private void requireEquality(String field, boolean passed) {
    if (passed != Arrays.equals(expected, actual)) {
      throw InvalidMessageException.invalid(
          field + ".passed", "must be true exactly when expected equals actual");
    }
  }

  private static void value(String field, byte[] b) {
    if (b == null || b.length > MAX_VALUE) {
      throw InvalidMessageException.invalid(field, "must have 0.." + MAX_VALUE + " bytes");
    }
  }

  @Override
  public byte[] expected() {
    return Frames.copy(expected);
  }

  @Override
  public byte[] actual() {
    return Frames.copy(actual);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerificationCheck c
        && Objects.equals(name, c.name)
        && kind == c.kind
        && Objects.equals(path, c.path)
        && passed == c.passed
        && Arrays.equals(expected, c.expected)
        && Arrays.equals(actual, c.actual)
        && Objects.equals(crop, c.crop)
        && score == c.score
        && threshold == c.threshold;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, kind, path, passed, crop, score, threshold)
        + 31 * Arrays.hashCode(expected)
        + 961 * Arrays.hashCode(actual);
  }

  @Override
  public String toString() {
    String v =
        switch (kind == null ? Kind.UPLOAD : kind) {
          case SSIM -> crop + " ssim " + score + "/" + threshold;
          case DIGEST, DETERMINISTIC -> hex(expected) + " vs " + hex(actual);
          case UPLOAD -> "";
        };
    return name + "[" + kind + " " + path + (passed ? " passed " : " failed ") + v + "]";
  }

  private static String hex(byte[] b) {
    return b == null ? "null" : HexFormat.of().formatHex(b);
  }
}
