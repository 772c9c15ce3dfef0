package org.jgolem.ipfs.exchange;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.jgolem.ipfs.BlockNotFoundException;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.car.CarWriter;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.BlockStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP endpoint for blocks, following the IPFS Trustless Gateway conventions: {@code
 * GET|HEAD /ipfs/{cid}[/path]?format=raw} (one block, {@code application/vnd.ipld.raw}) and {@code
 * ?format=car} (CAR v1 stream, {@code application/vnd.ipld.car; version=1; order=dfs; dups=n}) with
 * {@code dag-scope} and {@code entity-bytes}. Every block is verified against its hash before it is
 * sent (see {@link BlockStore}). Requests run on virtual threads; a CAR stream waits for the socket
 * to drain (no unbounded buffering). {@link #handler()} can also be mounted in another Netty HTTP
 * pipeline (after an HttpServerCodec and an HttpObjectAggregator).
 */
public final class GatewayServer implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
  private static final AttributeKey<Object> WRITABLE = AttributeKey.valueOf("jgolem.ipfs.writable");

  private final BlockStore store;
  private final ExecutorService workers =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ipfs-gateway-", 0).factory());
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong blocksServed = new AtomicLong();
  private final AtomicLong bytesServed = new AtomicLong();
  private EventLoopGroup group;
  private Channel serverChannel;

  public GatewayServer(BlockStore store) {
    this.store = store;
  }

  /** Starts listening (port 0: a free port); returns this. */
  public GatewayServer start(InetSocketAddress address) throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_SNDBUF, 1 << 20)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(), new HttpObjectAggregator(16 * 1024), handler());
                  }
                });
    serverChannel = b.bind(address).sync().channel();
    return this;
  }

  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** http://host:port of this gateway. */
  public java.net.URI uri() {
    InetSocketAddress a = (InetSocketAddress) serverChannel.localAddress();
    return java.net.URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  public long requests() {
    return requests.get();
  }

  public long blocksServed() {
    return blocksServed.get();
  }

  public long bytesServed() {
    return bytesServed.get();
  }

  /** A new handler for a Netty HTTP pipeline (one per channel). */
  public SimpleChannelInboundHandler<FullHttpRequest> handler() {
    return new Handler();
  }

  @Override
  public void close() {
    if (serverChannel != null) serverChannel.close().syncUninterruptibly();
    if (group != null)
      group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownNow();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      requests.incrementAndGet();
      // one request at a time per connection: responses stay in order
      ctx.channel().config().setAutoRead(false);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      boolean head = req.method().equals(HttpMethod.HEAD);
      if (!head && !req.method().equals(HttpMethod.GET)) {
        error(
            ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD are served", keepAlive);
        return;
      }
      QueryStringDecoder q = new QueryStringDecoder(req.uri());
      String accept = req.headers().get(HttpHeaderNames.ACCEPT);
      GatewayRequest gr;
      try {
        gr = GatewayRequest.parse(q.rawPath(), q.parameters(), accept);
      } catch (GatewayRequest.BadRequest e) {
        error(ctx, HttpResponseStatus.valueOf(e.status()), e.getMessage(), keepAlive);
        return;
      }
      workers.execute(() -> serve(ctx, gr, head, keepAlive));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      Object lock = lock(ctx.channel());
      synchronized (lock) {
        lock.notifyAll();
      }
      super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      Object lock = lock(ctx.channel());
      synchronized (lock) {
        lock.notifyAll();
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug(
          "gateway connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static Object lock(Channel ch) {
    Object l = ch.attr(WRITABLE).get();
    if (l == null) {
      Object n = new Object();
      l = ch.attr(WRITABLE).setIfAbsent(n);
      if (l == null) l = n;
    }
    return l;
  }

  private void serve(ChannelHandlerContext ctx, GatewayRequest r, boolean head, boolean keepAlive) {
    try {
      if (r.format() == GatewayRequest.Format.RAW) serveRaw(ctx, r, head, keepAlive);
      else serveCar(ctx, r, head, keepAlive);
    } catch (Exception e) {
      log.warn("gateway request for {} failed: {}", r.cid(), e.toString());
      ctx.close();
    }
  }

  private void serveRaw(
      ChannelHandlerContext ctx, GatewayRequest r, boolean head, boolean keepAlive)
      throws IOException {
    Cid target;
    DagTraversal t = new DagTraversal(store, (c, d) -> {});
    try {
      target = r.path().isEmpty() ? r.cid() : t.resolve(r.cid(), r.path());
    } catch (BlockNotFoundException e) {
      error(ctx, HttpResponseStatus.NOT_FOUND, e.getMessage(), keepAlive);
      return;
    } catch (IpfsException e) {
      error(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
      return;
    }
    byte[] data = store.getOrNull(target);
    if (data == null) {
      error(
          ctx, HttpResponseStatus.NOT_FOUND, "block " + target + " is not on this node", keepAlive);
      return;
    }
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.OK,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(data));
    headers(resp, target, GatewayRequest.RAW_TYPE, ".raw", ".bin");
    HttpUtil.setContentLength(resp, data.length);
    if (!head) {
      blocksServed.incrementAndGet();
      bytesServed.addAndGet(data.length);
    }
    finish(ctx, ctx.writeAndFlush(resp), keepAlive);
  }

  private void serveCar(
      ChannelHandlerContext ctx, GatewayRequest r, boolean head, boolean keepAlive)
      throws IOException, InterruptedException {
    if (!store.has(r.cid())) {
      error(
          ctx,
          HttpResponseStatus.NOT_FOUND,
          "block " + r.cid() + " is not on this node",
          keepAlive);
      return;
    }
    HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    headers(
        resp, r.cid(), GatewayRequest.CAR_TYPE + "; version=1; order=dfs; dups=n", ".car", ".car");
    if (head) {
      HttpUtil.setContentLength(resp, 0);
      finish(ctx, ctx.writeAndFlush(resp), keepAlive);
      return;
    }
    HttpUtil.setTransferEncodingChunked(resp, true);
    ctx.write(resp);
    Channel ch = ctx.channel();
    ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(CarWriter.header(List.of(r.cid())))));
    DagTraversal t =
        new DagTraversal(
            store,
            (cid, data) -> {
              awaitWritable(ch);
              BlockStore.Region region = data == null ? store.region(cid) : null;
              if (region != null) {
                // verified earlier by this process: the kernel sends it from the pack file (no copy
                // through the heap)
                ctx.write(
                    new DefaultHttpContent(
                        Unpooled.wrappedBuffer(CarWriter.sectionPrefix(cid, region.length()))));
                ctx.writeAndFlush(new PackRegion(region));
                blocksServed.incrementAndGet();
                bytesServed.addAndGet(region.length());
                return;
              }
              if (data == null) data = store.getOrNull(cid);
              if (data == null)
                throw new BlockNotFoundException(
                    "block " + cid + " is not on this node (or failed its hash check)");
              ByteBuf buf = Unpooled.wrappedBuffer(CarWriter.sectionPrefix(cid, data.length), data);
              ctx.writeAndFlush(new DefaultHttpContent(buf));
              blocksServed.incrementAndGet();
              bytesServed.addAndGet(data.length);
            });
    try {
      Cid target = t.resolve(r.cid(), r.path());
      switch (r.scope()) {
        case BLOCK -> t.single(target);
        case ENTITY -> t.entity(target, r.from(), r.to());
        case ALL -> t.all(target);
      }
    } catch (IOException | IpfsException e) {
      // the 200 is already sent: end the stream without its last chunk, so the client sees it is
      // incomplete
      log.info("CAR stream for {} stopped: {}", r.cid(), e.getMessage());
      ctx.flush();
      ctx.close();
      return;
    }
    finish(ctx, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
  }

  private void awaitWritable(Channel ch) throws IOException {
    Object lock = lock(ch);
    synchronized (lock) {
      while (ch.isActive() && !ch.isWritable()) {
        try {
          lock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("gateway is closing");
        }
      }
    }
    if (!ch.isActive()) throw new IOException("the client closed the connection");
  }

  private static void headers(
      HttpResponse resp, Cid cid, String type, String etagSuffix, String fileSuffix) {
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=29030400, immutable")
        .set(HttpHeaderNames.ETAG, "\"" + cid + etagSuffix + "\"")
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Ipfs-Roots", cid.toString())
        .set(
            HttpHeaderNames.CONTENT_DISPOSITION,
            "attachment; filename=\"" + cid + fileSuffix + "\"")
        .set(HttpHeaderNames.VARY, "Accept");
  }

  private static void error(
      ChannelHandlerContext ctx, HttpResponseStatus status, String message, boolean keepAlive) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    HttpUtil.setContentLength(resp, body.length);
    finish(ctx, ctx.writeAndFlush(resp), keepAlive);
  }

  private static void finish(ChannelHandlerContext ctx, ChannelFuture f, boolean keepAlive) {
    if (keepAlive) {
      f.addListener(x -> {
        if (x.isSuccess()) {
          ctx.channel().config().setAutoRead(true);
          ctx.read();
        } else {
          ctx.close();
        }
      });
    } else {
      f.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }
  }
}
