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
}
