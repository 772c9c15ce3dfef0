package org.jgolem.ipfs.exchange;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A small HTTP/1.1 client for gateway requests: persistent connections pooled per peer,
 * Content-Length and chunked bodies, 1 MiB buffers. Plain http only (peers are the nodes' own
 * endpoints).
 */
public final class HttpTransport implements PeerTransport {
  private static final int BUFFER = 1 << 20;

  /** Smaller than a chunk, so that reading a 256 KiB block goes straight into its array. */
  private static final int STREAM_BUFFER = 64 * 1024;

  private static final int MAX_HEADER_LINE = 8192;
  private final Map<String, ConcurrentLinkedDeque<Conn>> idle = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private static final class Conn {
    final Socket socket;
    final BufferedInputStream in;
    final OutputStream out;
    final String key;

    Conn(Socket socket, String key) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), STREAM_BUFFER);
      this.out = socket.getOutputStream();
      this.key = key;
    }
  }

  @Override
  public Response get(Peer peer, String pathAndQuery, String accept, Duration timeout)
      throws IOException {
    if (closed) throw new IOException("transport is closed");
    java.net.URI u = peer.gateway();
    if (!"http".equalsIgnoreCase(u.getScheme()))
      throw new IOException("peer " + peer + ": only http:// gateways are supported");
    String host = u.getHost();
    int port = u.getPort() < 0 ? 80 : u.getPort();
    String key = host + ":" + port;
    String basePath =
        u.getRawPath() == null || u.getRawPath().equals("/")
            ? ""
            : u.getRawPath().replaceAll("/$", "");
    byte[] request =
        ("GET "
                + basePath
                + pathAndQuery
                + " HTTP/1.1\r\nHost: "
                + key
                + "\r\nAccept: "
                + accept
                + "\r\nUser-Agent: jgolem-ipfs-bridge\r\nConnection: keep-alive\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    // a pooled connection may have been closed by the server: then retry once on a fresh one
    for (int attempt = 0; ; attempt++) {
      Conn c = attempt == 0 ? poll(key) : null;
      boolean reused = c != null;
      if (c == null) c = connect(host, port, key, ms);
      try {
        c.socket.setSoTimeout(ms);
        c.out.write(request);
        c.out.flush();
        return readResponse(c);
      } catch (IOException e) {
        closeQuietly(c);
        if (reused && !(e instanceof SocketTimeoutException)) continue;
        throw e;
      }
    }
  }

  private Conn poll(String key) {
    ConcurrentLinkedDeque<Conn> q = idle.get(key);
    if (q == null) return null;
    Conn c;
    while ((c = q.pollFirst()) != null) {
      if (!c.socket.isClosed()) return c;
    }
    return null;
  }

  private static Conn connect(String host, int port, String key, int ms) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setReceiveBufferSize(BUFFER);
      s.connect(new InetSocketAddress(host, port), ms);
      return new Conn(s, key);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private Response readResponse(Conn c) throws IOException {
    String status = line(c.in);
    if (status == null) throw new EOFException("connection closed before a response");
    String[] sp = status.split(" ", 3);
    if (sp.length < 2 || !sp[0].startsWith("HTTP/1."))
      throw new IOException("not an HTTP response: " + status);
    int code;
    try {
      code = Integer.parseInt(sp[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad HTTP status line: " + status);
    }
    long length = -1;
    boolean chunked = false, close = sp[0].equals("HTTP/1.0");
    String h;
    while ((h = line(c.in)) != null && !h.isEmpty()) {
      int colon = h.indexOf(':');
      if (colon <= 0) continue;
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> {
          try {
            length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length: " + value);
          }
        }
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> close |= value.equalsIgnoreCase("close");
        default -> {}
      }
    }
    if (h == null) throw new EOFException("connection closed inside the response headers");
    Body body =
        chunked
            ? new ChunkedBody(c.in)
            : length >= 0 ? new FixedBody(c.in, length) : new UntilCloseBody(c.in);
    boolean reusable = !close && (chunked || length >= 0);
    return new Resp(code, body, c, reusable);
  }

  private final class Resp implements Response {
    final int status;
    final Body body;
    final Conn conn;
    final boolean reusable;
    boolean done;

    Resp(int status, Body body, Conn conn, boolean reusable) {
      this.status = status;
      this.body = body;
      this.conn = conn;
      this.reusable = reusable;
    }

    @Override
    public int status() {
      return status;
    }

    @Override
    public InputStream body() {
      return body;
    }

    @Override
    public void close() {
      if (done) return;
      done = true;
      if (reusable && body.finished() && !closed) {
        idle.computeIfAbsent(conn.key, k -> new ConcurrentLinkedDeque<>()).addFirst(conn);
      } else {
        closeQuietly(conn);
      }
    }
  }

  private abstract static class Body extends InputStream {
    abstract boolean finished();

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }
  }

  private static final class FixedBody extends Body {
    final InputStream in;
    long left;

    FixedBody(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) return -1;
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0)
        throw new EOFException("connection closed with " + left + " bytes of the body missing");
      left -= n;
      return n;
    }

    @Override
    boolean finished() {
      return left == 0;
    }
  }

  private static final class UntilCloseBody extends Body {
    final InputStream in;

    UntilCloseBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, len);
    }

    @Override
    boolean finished() {
      return false;
    }
  }

  private static final class ChunkedBody extends Body {
    final BufferedInputStream in;
    long left;
    boolean end;

    ChunkedBody(BufferedInputStream in) {
      this.in = in;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (end) return -1;
      if (left == 0) {
        String l = line(in);
        if (l == null)
          throw new EOFException(
              "connection closed inside a chunked body (the response is incomplete)");
        int semi = l.indexOf(';');
        try {
          left = Long.parseLong((semi >= 0 ? l.substring(0, semi) : l).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size line: " + l);
        }
        if (left == 0) {
          String t;
          while ((t = line(in)) != null && !t.isEmpty()) {
            /* trailers */
          }
          if (t == null) throw new EOFException("connection closed in the chunked trailer");
          end = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0)
        throw new EOFException("connection closed inside a chunk (the response is incomplete)");
      left -= n;
      if (left == 0) {
        String crlf = line(in);
        if (crlf == null || !crlf.isEmpty()) throw new IOException("chunk not followed by CRLF");
      }
      return n;
    }

    @Override
    boolean finished() {
      return end;
    }
  }

  /** A CRLF- (or LF-) terminated line; null at the end of the stream before any byte. */
  static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] x = b.toByteArray();
        int n = x.length > 0 && x[x.length - 1] == '\r' ? x.length - 1 : x.length;
        return new String(x, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
      if (b.size() > MAX_HEADER_LINE)
        throw new IOException("HTTP line longer than " + MAX_HEADER_LINE + " bytes");
    }
    if (b.size() == 0) return null;
    throw new EOFException("connection closed inside a line");
  }

  private static void closeQuietly(Conn c) {
    try {
      c.socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ConcurrentLinkedDeque<Conn> q : idle.values()) {
      Conn c;
      while ((c = q.pollFirst()) != null) closeQuietly(c);
    }
  }
}
