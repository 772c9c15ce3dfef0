package org.jgolem.concent.record;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record's byte format: deterministically encoded CBOR (RFC 8949 §4.2.1, "core deterministic
 * encoding"), a small subset of it. Values are {@code Long} (major types 0 and 1), {@code byte[]}
 * (2), {@code String} (3, UTF-8), {@code List} (4), {@code Map<String, ?>} (5, text keys), {@code
 * Boolean} and {@code null} (7). Lengths are definite, every argument in its shortest form, map
 * keys sorted by the bytewise order of their encodings, no key twice. {@link #decode} accepts
 * exactly these encodings and nothing else (no tags, floats, indefinite lengths, non-shortest
 * arguments, unsorted or repeated keys, trailing bytes), so a value has exactly one encoding: the
 * bytes a signature covers are the bytes anyone re-encodes. {@code docs/AUDITORS.md} specifies it.
 */
public final class CanonicalCbor {
  /** Nesting deeper than this is refused when decoding. */
  static final int MAX_DEPTH = 16;

  private CanonicalCbor() {}

  /** The one encoding of {@code value}. */
  public static byte[] encode(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(out, value);
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Object v) {
    switch (v) {
      case null -> out.write(0xf6);
      case Boolean b -> out.write(b ? 0xf5 : 0xf4);
      case Integer i -> write(out, (long) i);
      case Long l -> {
        if (l >= 0) {
          head(out, 0, l);
        } else {
          head(out, 1, -1 - l);
        }
      }
      case byte[] b -> {
        head(out, 2, b.length);
        out.writeBytes(b);
      }
      case String s -> {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(out, 3, b.length);
        out.writeBytes(b);
      }
      case List<?> list -> {
        head(out, 4, list.size());
        for (Object o : list) {
          write(out, o);
        }
      }
      case Map<?, ?> map -> {
        List<byte[][]> pairs = new ArrayList<>(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!(e.getKey() instanceof String k)) {
            throw new IllegalArgumentException("a map key must be text: " + e.getKey());
          }
          pairs.add(new byte[][] {encode(k), encode(e.getValue())});
        }
        pairs.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        head(out, 5, pairs.size());
        for (byte[][] p : pairs) {
          out.writeBytes(p[0]);
          out.writeBytes(p[1]);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "the record holds no "
                  + v.getClass().getSimpleName()
                  + " (only integers, bytes,"
                  + " text, lists, text-keyed maps, booleans and null)");
    }
  }

  private static void head(ByteArrayOutputStream out, int major, long n) {
    int m = major << 5;
    if (n < 24) {
      out.write(m | (int) n);
    } else if (n < 0x100) {
      out.write(m | 24);
      out.write((int) n);
    } else if (n < 0x10000) {
      out.write(m | 25);
      out.write((int) (n >>> 8));
      out.write((int) n);
    } else if (n < 0x1_0000_0000L) {
      out.write(m | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (n >>> s));
      }
    } else {
      out.write(m | 27);
      for (int s = 56; s >= 0; s -= 8) {
        out.write((int) (n >>> s));
      }
    }
  }

  /**
   * The value {@code bytes} encode, if they are its deterministic encoding; maps come back in key
   * order, unmodifiable.
   *
   * @throws IllegalArgumentException naming the offset and what is wrong
   */
  public static Object decode(byte[] bytes) {
    Reader r = new Reader(bytes);
    Object v = r.read(0);
    if (r.at != bytes.length) {
      throw r.bad((bytes.length - r.at) + " bytes follow the value");
    }
    return v;
  }

  private static final class Reader {
    final byte[] b;
    int at;

    Reader(byte[] b) {
      this.b = b;
    }

    IllegalArgumentException bad(String why) {
      return new IllegalArgumentException("not the record's CBOR at byte " + at + ": " + why);
    }

    int u8() {
      if (at >= b.length) {
        throw bad("the value is cut short");
      }
      return b[at++] & 0xff;
    }

    long argument(int info) {
      long n;
      long min;
      switch (info) {
        case 24 -> {
          n = u8();
          min = 24;
        }
        case 25 -> {
          n = ((long) u8() << 8) | u8();
          min = 0x100;
        }
        case 26 -> {
          n = 0;
          for (int i = 0; i < 4; i++) {
            n = (n << 8) | u8();
          }
          min = 0x10000;
        }
        case 27 -> {
          n = 0;
          for (int i = 0; i < 8; i++) {
            n = (n << 8) | u8();
          }
          if (n < 0) {
            throw bad("an integer beyond 2^63 - 1");
          }
          min = 0x1_0000_0000L;
        }
        default -> {
          if (info < 24) {
            return info;
          }
          throw bad("an indefinite length or reserved argument (" + info + ")");
        }
      }
      if (n < min) {
        throw bad("an argument not in its shortest form");
      }
      return n;
    }

    int length(long n) {
      if (n > b.length - at) {
        throw bad("a length of " + n + " runs past the end");
      }
      return (int) n;
    }

    Object read(int depth) {
      if (depth > MAX_DEPTH) {
        throw bad("nested deeper than " + MAX_DEPTH);
      }
      int first = u8();
      int major = first >>> 5;
      int info = first & 0x1f;
      switch (major) {
        case 0 -> {
          return argument(info);
        }
        case 1 -> {
          return -1 - argument(info);
        }
        case 2 -> {
          int n = length(argument(info));
          byte[] out = Arrays.copyOfRange(b, at, at + n);
          at += n;
          return out;
        }
        case 3 -> {
          int n = length(argument(info));
          try {
            String s =
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, at, n))
                    .toString();
            at += n;
            return s;
          } catch (CharacterCodingException e) {
            throw bad("text that is not UTF-8");
          }
        }
        case 4 -> {
          long n = argument(info);
          length(n); // each item takes at least one byte
          List<Object> out = new ArrayList<>((int) n);
          for (long i = 0; i < n; i++) {
            out.add(read(depth + 1));
          }
          return Collections.unmodifiableList(out);
        }
        case 5 -> {
          long n = argument(info);
          length(n * 2);
          Map<String, Object> out = new LinkedHashMap<>();
          byte[] previous = null;
          for (long i = 0; i < n; i++) {
            int keyAt = at;
            Object k = read(depth + 1);
            if (!(k instanceof String key)) {
              throw bad("a map key that is not text");
            }
            byte[] encodedKey = Arrays.copyOfRange(b, keyAt, at);
            if (previous != null && Arrays.compareUnsigned(previous, encodedKey) >= 0) {
              throw bad("map keys out of order or repeated ('" + key + "')");
            }
            previous = encodedKey;
            out.put(key, read(depth + 1));
          }
          return Collections.unmodifiableMap(out);
        }
        case 7 -> {
          return switch (info) {
            case 20 -> Boolean.FALSE;
            case 21 -> Boolean.TRUE;
            case 22 -> null;
            default -> throw bad("a simple value or float the record does not use (" + info + ")");
          };
        }
        default -> throw bad("a tag (the record uses none)");
      }
    }
  }
}
