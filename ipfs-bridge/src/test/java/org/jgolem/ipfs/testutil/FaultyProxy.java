package org.jgolem.ipfs.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy in front of a real gateway that can misbehave on the way back to the client:
 * cut connections once a number of response bytes went through, flip bytes of responses, or refuse
 * new connections.
 */
public final class FaultyProxy implements AutoCloseable {
  /** Decides per response byte offset (counted per connection) and per connection number. */
  public interface Policy {
    /** -1: pass; 0: cut the connection here; 1: flip this byte. */
    int at(int connection, long offset);
  }

  private final ServerSocket server;
  private final URI upstream;
  private final Policy policy;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicInteger cuts = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean refuse;

  public FaultyProxy(URI upstream, Policy policy) throws IOException {
    this.upstream = upstream;
    this.policy = policy;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  public int connections() {
    return connections.get();
  }

  public int cuts() {
    return cuts.get();
  }

  public long bytes() {
    return bytes.get();
  }

  /** From now on, new connections are accepted and closed at once, and open ones are closed. */
  public void refuseAll() {
    refuse = true;
    for (Socket s : open) closeQuietly(s);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (refuse) {
          client.close();
          continue;
        }
        int n = connections.getAndIncrement();
        Socket up = new Socket();
        up.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()));
        open.add(client);
        open.add(up);
        Thread.ofVirtual().start(() -> pump(client, up, -1));
        Thread.ofVirtual().start(() -> pump(up, client, n));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, int connection) {
    byte[] buf = new byte[64 * 1024];
    long offset = 0;
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (connection >= 0) {
          for (int i = 0; i < n; i++) {
            int action = policy.at(connection, offset + i);
            if (action == 0) {
              out.write(buf, 0, i);
              out.flush();
              cuts.incrementAndGet();
              closeQuietly(from);
              closeQuietly(to);
              return;
            }
            if (action == 1) buf[i] ^= 0x5a;
          }
          offset += n;
          bytes.addAndGet(n);
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) closeQuietly(s);
  }
}
