package org.jgolem.node.p2p.netty;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import org.jgolem.protocol.identity.NodeKey;
import org.jgolem.protocol.messages.Envelope;
import org.jgolem.protocol.messages.codec.MessageCodec;
import org.jgolem.protocol.messages.p2p.Disconnect;
import org.jgolem.protocol.messages.p2p.Hello;
import org.jgolem.protocol.messages.p2p.NodeRecord;

/**
 * A hand-driven peer over a plain blocking socket, for tests that must send what a correct node
 * never would. It shares only the crypto helpers with the code under test, not Netty.
 */
final class RawPeer implements AutoCloseable {
  final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  HandshakeCrypto.SessionKeys keys;
  FrameCipher sealer;
  FrameCipher opener;

  private RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(socket.getOutputStream());
  }

  static RawPeer connect(int port) {
    return connect(port, Duration.ofSeconds(5));
  }

  static RawPeer connect(int port, Duration readTimeout) {
    try {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout((int) readTimeout.toMillis());
      return new RawPeer(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendFrame(byte[] body) throws IOException {
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  /** The next frame, or null once the node closed the connection. */
  byte[] readFrame() throws IOException {
    try {
      int n = in.readInt();
      byte[] b = new byte[n];
      in.readFully(b);
      return b;
    } catch (EOFException | SocketException e) {
      return null;
    }
  }

  /** Exchanges ephemeral keys as the initiator. */
  HandshakeCrypto.SessionKeys keyExchange() throws IOException, GeneralSecurityException {
    HandshakeCrypto.Ephemeral eph = HandshakeCrypto.newEphemeral();
    sendFrame(eph.frame());
    byte[] theirs = readFrame();
    if (theirs == null) {
      throw new EOFException("closed during the key exchange");
    }
    keys = HandshakeCrypto.derive(true, eph, theirs);
    sealer = new FrameCipher(keys.sendKey(), true);
    opener = new FrameCipher(keys.receiveKey(), false);
    return keys;
  }

  void sendEncrypted(byte[] plain) throws IOException, GeneralSecurityException {
    sendFrame(sealer.apply(plain));
  }

  /** The next decrypted frame, or null once closed. */
  byte[] readEncrypted() throws IOException, GeneralSecurityException {
    byte[] f = readFrame();
    return f == null ? null : opener.apply(f);
  }

  void send(MessageCodec codec, Envelope e) throws IOException, GeneralSecurityException {
    sendEncrypted(codec.encode(e));
  }

  /** The next envelope from the node, or null once closed. */
  Envelope read(MessageCodec codec) throws IOException, GeneralSecurityException {
    byte[] b = readEncrypted();
    return b == null ? null : codec.decode(b);
  }

  static Hello hello(NodeKey key, byte[] challenge) {
    return new Hello(
        MessageCodec.PROTOCOL_VERSION,
        "raw/1",
        new NodeRecord(key.address(), "127.0.0.1", 1),
        challenge,
        List.of());
  }

  /**
   * Key exchange plus a correct Hello signed by {@code key}; returns the node's answer (its Hello,
   * or a Disconnect).
   */
  Envelope authenticate(NodeKey key, MessageCodec codec, java.time.Clock clock)
      throws IOException, GeneralSecurityException {
    keyExchange();
    send(codec, codec.seal(hello(key, keys.transcript()), key, clock));
    return read(codec);
  }

  /**
   * Reads until the node closes the connection; returns the reason of the last Disconnect it sent,
   * or null if none. Fails if the node keeps the connection open past the socket's read timeout.
   */
  Disconnect.Reason awaitClose(MessageCodec codec) throws IOException, GeneralSecurityException {
    Disconnect.Reason reason = null;
    while (true) {
      byte[] f;
      try {
        f = readFrame();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the node did not close the connection", e);
      }
      if (f == null) {
        close(); // as a well-behaved peer does once told to go
        return reason;
      }
      if (opener != null) {
        Envelope e = codec.decode(opener.apply(f));
        if (e.payload() instanceof Disconnect d) {
          reason = d.reason();
        }
      }
    }
  }

  /** Closes with a reset, leaving no TIME_WAIT behind. */
  void abort() {
    try {
      socket.setSoLinger(true, 0);
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
