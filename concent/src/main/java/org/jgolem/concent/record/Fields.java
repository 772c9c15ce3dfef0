package org.jgolem.concent.record;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgolem.eth.Address;

/** Typed reads of a decoded record map, each failure naming the map and the field. */
public final class Fields {
  private final String what;
  private final Map<String, Object> map;

  Fields(String what, Map<String, Object> map) {
    this.what = what;
    this.map = map;
  }

  /** {@code value}, which must be a text-keyed map, read as {@code what}. */
  public static Fields of(String what, Object value) {
    if (!(value instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(what + " must be a map");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return new Fields(what, out);
  }

  public Map<String, Object> map() {
    return map;
  }

  public boolean has(String name) {
    return map.get(name) != null;
  }

  public String text(String name) {
    return field(name, String.class);
  }

  /** The text, or null if absent or null. */
  public String textOrNull(String name) {
    return has(name) ? text(name) : null;
  }

  public long integer(String name) {
    return field(name, Long.class);
  }

  public byte[] bytes(String name) {
    return field(name, byte[].class).clone();
  }

  public boolean flag(String name) {
    return field(name, Boolean.class);
  }

  public BigInteger amount(String name) {
    String s = text(name);
    try {
      BigInteger v = new BigInteger(s);
      if (!v.toString().equals(s)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + "." + name + " is not an amount: '" + s + "'");
    }
  }

  public Address address(String name) {
    String s = text(name);
    try {
      return Address.of(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + "." + name + " is not an address: '" + s + "'");
    }
  }

  public Fields fields(String name) {
    return of(what + "." + name, field(name, Map.class));
  }

  public List<?> list(String name) {
    return field(name, List.class);
  }

  private <T> T field(String name, Class<T> type) {
    Object v = map.get(name);
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException(
          what
              + " needs "
              + (type == Long.class ? "an integer" : "a " + type.getSimpleName())
              + " field '"
              + name
              + "'"
              + (v == null ? "" : ", got " + v.getClass().getSimpleName()));
    }
    return type.cast(v);
  }
}
