package org.jgolem.protocol.notes;

/** A note with its secp256k1 signature (v is 27 or 28; r and s are 32 bytes). */
public record SignedNote(PromissoryNote note, int v, byte[] r, byte[] s) {
  public SignedNote {
    r = r.clone();
    s = s.clone();
  }

  @Override
  public byte[] r() {
    return r.clone();
  }

  @Override
  public byte[] s() {
    return s.clone();
  }

  /** By value: the signature's bytes, not the arrays' identities. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SignedNote n
        && note.equals(n.note)
        && v == n.v
        && java.util.Arrays.equals(r, n.r)
        && java.util.Arrays.equals(s, n.s);
  }

  @Override
  public int hashCode() {
    return note.hashCode() * 31 + java.util.Arrays.hashCode(r);
  }
}
