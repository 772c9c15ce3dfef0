package org.jgolem.ipfs.kubo;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgolem.ipfs.CorruptBlockException;
import org.jgolem.ipfs.GcResult;
import org.jgolem.ipfs.IpfsException;
import org.jgolem.ipfs.LimitExceededException;
import org.jgolem.ipfs.ResourceStore;
import org.jgolem.ipfs.ResourceStoreConfig;
import org.jgolem.ipfs.ResourceTimeoutException;
import org.jgolem.ipfs.Sizes;
import org.jgolem.ipfs.UnsafePathException;
import org.jgolem.ipfs.multiformats.Cid;
import org.jgolem.ipfs.store.Pins;
import org.jgolem.ipfs.unixfs.BlockSink;
import org.jgolem.ipfs.unixfs.DagBuilder;
import org.jgolem.ipfs.unixfs.DagNode;
import org.jgolem.ipfs.unixfs.DagReader;

/**
 * The Kubo RPC backend: resources live in an IPFS daemon (Kubo, or js-ipfs, which serves the same
 * RPC API), reached over {@code java.net.http} at {@code /api/v0/add}, {@code cat}, {@code
 * block/get}, {@code pin/add}, {@code pin/rm}, {@code repo/gc} and {@code repo/stat}.
 *
 * <ul>
 *   <li>add: the layout of the embedded backend ({@code cid-version=1, raw-leaves,
 *       chunker=size-262144}); the CID the daemon answers (js-ipfs prints base58 "zb2..."; it is
 *       normalised) must equal the CID computed here.
 *   <li>get: a file is read with {@code cat} while its DAG is rebuilt and hashed here; if the
 *       rebuilt CID differs (a DAG of another layout), or for folders, every block is fetched with
 *       {@code block/get} and checked against its hash, then written out with the same safety
 *       checks as the embedded backend.
 *   <li>limits: per task, as the embedded backend (pins recorded in {@code <data>/kubo/pins}); per
 *       node, the daemon's repo size ({@code repo/stat}) plus what is added may not exceed the
 *       node's limit.
 * </ul>
 *
 * <p>Why over 400 lines: one adapter of the whole {@code ResourceStore} interface over Kubo's RPC
 * API, one method per call, with the multipart upload and the streamed reads the calls need.
 */
public final class KuboResourceStore implements ResourceStore {
  private static final Pattern HASH = Pattern.compile("\"Hash\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern NAME =
      Pattern.compile("\"Name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern REPO_SIZE = Pattern.compile("\"RepoSize\"\\s*:\\s*\"?(\\d+)");
  private final ResourceStoreConfig config;
  private final URI api;
  private final HttpClient http;
  private final Pins pins;

  public KuboResourceStore(ResourceStoreConfig config) throws IOException {
    this.config = config;
    String base = config.kuboApi().toString().replaceAll("/+$", "");
    this.api = URI.create(base.endsWith("/api/v0") ? base : base + "/api/v0");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    Path dir = config.dataDir().resolve("kubo");
    Files.createDirectories(dir);
    this.pins = Pins.load(dir.resolve("pins"));
  }

  // ---- RPC ----

  private HttpRequest.Builder request(String command, String query) {
    return HttpRequest.newBuilder(
            URI.create(api + "/" + command + (query == null || query.isEmpty() ? "" : "?" + query)))
        .timeout(config.timeout());
  }

  private static String arg(Cid cid) {
    return "arg=" + URLEncoder.encode(cid.toString(), StandardCharsets.UTF_8);
  }

  private InputStream call(HttpRequest req, String what) throws IOException {
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (java.net.http.HttpTimeoutException e) {
      throw new ResourceTimeoutException(
          "the IPFS daemon at "
              + api
              + " did not answer "
              + what
              + " within "
              + config.timeout().toMillis()
              + " ms");
    } catch (java.net.ConnectException e) {
      throw new IOException(
          "cannot reach the IPFS daemon at " + api + " (" + what + "): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(what + " interrupted");
    }
    if (resp.statusCode() != 200) {
      String body;
      try (InputStream in = resp.body()) {
        body = new String(in.readNBytes(2000), StandardCharsets.UTF_8).strip();
      }
      Matcher m = Pattern.compile("\"Message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(body);
      throw new IOException(
          "the IPFS daemon refused "
              + what
              + ": HTTP "
              + resp.statusCode()
              + (m.find() ? ": " + m.group(1) : body.isEmpty() ? "" : ": " + body));
    }
    return resp.body();
  }

  private String callText(String command, String query, String what) throws IOException {
    try (InputStream in =
        call(request(command, query).POST(HttpRequest.BodyPublishers.noBody()).build(), what)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The daemon's id output (proves the RPC API answers). */
  public String id() throws IOException {
    return callText("id", null, "id");
  }

  /** Raw bytes of one block, verified against cid. */
  public byte[] blockGet(Cid cid) throws IOException {
    byte[] data;
    try (InputStream in =
        call(
            request("block/get", arg(cid)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            "block/get " + cid)) {
      data = in.readNBytes(org.jgolem.ipfs.store.BlockStore.MAX_BLOCK_SIZE + 1);
    }
    if (data.length > org.jgolem.ipfs.store.BlockStore.MAX_BLOCK_SIZE)
      throw new CorruptBlockException(cid, "block " + cid + " from the daemon is too large");
    if (!cid.verifies(data))
      throw new CorruptBlockException(
          cid, "the IPFS daemon at " + api + " returned a block that does not match " + cid);
    return data;
  }

  /** The content of a file, unverified (callers verify); the stream must be closed. */
  public InputStream cat(Cid cid) throws IOException {
    return call(
        request("cat", arg(cid)).POST(HttpRequest.BodyPublishers.noBody()).build(), "cat " + cid);
  }

  public long repoSize() throws IOException {
    Matcher m = REPO_SIZE.matcher(callText("repo/stat", null, "repo/stat"));
    if (!m.find()) throw new IOException("the IPFS daemon's repo/stat has no RepoSize");
    return Long.parseLong(m.group(1));
  }

  // ---- ResourceStore ----

  @Override
  public Cid add(Path path) throws IOException {
    return add(path, Pins.NODE, null);
  }

  @Override
  public Cid add(Path path, String taskId) throws IOException {
    return add(path, Pins.taskOwner(taskId), taskId);
  }

  private record Part(String name, Path file) {} // file null: a folder

  private Cid add(Path path, String owner, String taskId) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          path.toString(), null, "nothing to add: no such file or folder");
    }
    if (a.isSymbolicLink()) throw new UnsafePathException("symlink refused: " + path);
    long content = a.isDirectory() ? DagBuilder.checkTree(path) : a.size();
    DagBuilder.Entry expected = DagBuilder.rawLeaves(BlockSink.hashOnly()).add(path);
    if (taskId != null) checkTask(taskId, owner, expected.tsize(), path.toString());
    long repo = repoSize();
    if (repo + content > config.maxNodeBytes())
      throw new LimitExceededException(
          "the IPFS daemon's repository holds "
              + Sizes.format(repo)
              + "; adding "
              + path
              + " ("
              + Sizes.format(content)
              + ") would pass the node's limit of "
              + Sizes.format(config.maxNodeBytes()));
    String top = path.getFileName().toString();
    List<Part> parts = new ArrayList<>();
    if (a.isDirectory()) collect(path, top, parts);
    else parts.add(new Part(top, path));
    String boundary = "jgolem-" + UUID.randomUUID();
    List<HttpRequest.BodyPublisher> body = new ArrayList<>();
    for (Part p : parts) {
      String head =
          "--"
              + boundary
              + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
              + URLEncoder.encode(p.name(), StandardCharsets.UTF_8).replace("+", "%20")
              + "\"\r\nContent-Type: "
              + (p.file() == null ? "application/x-directory" : "application/octet-stream")
              + "\r\n\r\n";
      body.add(HttpRequest.BodyPublishers.ofString(head, StandardCharsets.UTF_8));
      if (p.file() != null) body.add(HttpRequest.BodyPublishers.ofFile(p.file()));
      body.add(HttpRequest.BodyPublishers.ofString("\r\n"));
    }
    body.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "--\r\n"));
    HttpRequest req =
        request(
                "add",
                "cid-version=1&raw-leaves=true&chunker=size-262144&pin=true&progress=false&wrap-with-directory=false")
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.concat(body.toArray(HttpRequest.BodyPublisher[]::new)))
            .build();
    String out;
    try (InputStream in = call(req, "add " + path)) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Cid root = null;
    for (String line : out.split("\n")) {
      Matcher n = NAME.matcher(line), h = HASH.matcher(line);
      if (n.find() && h.find() && n.group(1).equals(top)) root = Cid.parse(h.group(1));
    }
    if (root == null)
      throw new IOException(
          "the IPFS daemon's add answer names no entry '" + top + "': " + abbreviate(out));
    root = root.toV1();
    if (!root.equals(expected.cid()))
      throw new IpfsException(
          "the IPFS daemon named "
              + path
              + " "
              + root
              + " but its CID with cid-version=1, raw leaves and 256 KiB chunks is "
              + expected.cid()
              + " (does the daemon use another layout?)");
    pins.add(root, owner, expected.tsize());
    return root;
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /**
   * Folder parts: a folder's part before its entries; empty folders too. js-ipfs needs no part for
   * the top folder.
   */
  private static void collect(Path dir, String rel, List<Part> parts) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(children::add);
    }
    children.sort(null);
    if (children.isEmpty()) parts.add(new Part(rel, null));
    for (Path c : children) {
      String r = rel + "/" + c.getFileName();
      if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) collect(c, r, parts);
      else parts.add(new Part(r, c));
    }
  }

  private void checkTask(String taskId, String owner, long more, String what) {
    long used = pins.usage(owner);
    if (used + more > config.maxTaskBytes())
      throw new LimitExceededException(
          "task "
              + taskId
              + " may use "
              + Sizes.format(config.maxTaskBytes())
              + " of resources; it uses "
              + Sizes.format(used)
              + " and "
              + what
              + " needs "
              + Sizes.format(more)
              + " more");
  }

  @Override
  public void get(Cid cid, Path target) throws IOException {
    get(cid, target, Pins.NODE, null);
  }

  @Override
  public void get(Cid cid, Path target, String taskId) throws IOException {
    get(cid, target, Pins.taskOwner(taskId), taskId);
  }

  private void get(Cid cid, Path target, String owner, String taskId) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS))
      throw new FileAlreadyExistsException(abs.toString(), null, "target already exists");
    if (abs.getParent() == null || !Files.isDirectory(abs.getParent()))
      throw new NoSuchFileException(
          String.valueOf(abs.getParent()), null, "the target's folder does not exist");
    byte[] rootBlock = blockGet(cid);
    DagNode root = DagNode.decode(cid, rootBlock);
    long declared =
        root.isDirectory()
            ? declaredSize(root)
            : root.isFile() ? root.fileSize() : rootBlock.length;
    long allowance =
        taskId == null ? config.maxNodeBytes() : config.maxTaskBytes() - pins.usage(owner);
    if (declared > allowance)
      throw new LimitExceededException(
          "resource "
              + cid
              + " has "
              + Sizes.format(declared)
              + ", more than the "
              + Sizes.format(allowance)
              + (taskId == null ? " the node allows" : " task " + taskId + " may still use"));
    boolean done = false;
    if (root.isFile()) done = catVerified(cid, abs, allowance);
    if (!done) {
      // block by block: each block checked against its hash; sizes bounded as they arrive
      long[] fetched = {0};
      new DagReader(
              c -> {
                byte[] b = blockGet(c);
                fetched[0] += b.length;
                if (fetched[0] > allowance)
                  throw new LimitExceededException(
                      "resource "
                          + cid
                          + " is larger than the "
                          + Sizes.format(allowance)
                          + " allowed");
                return b;
              },
              config.durable())
          .export(cid, abs);
    }
    call(
            request("pin/add", arg(cid) + "&recursive=true")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            "pin/add " + cid)
        .close();
    pins.add(cid.toV1(), owner, declared);
  }

  private static long declaredSize(DagNode dir) {
    long s = dir.block().length;
    for (var l : dir.pb().links()) s += l.tsize() == null ? 0 : l.tsize();
    return s;
  }

  /**
   * cat into a file beside target while rebuilding the DAG from the bytes: if the rebuilt CID is
   * cid, the content is verified and the file is moved into place; otherwise (another layout)
   * nothing is kept and false is returned.
   */
  private boolean catVerified(Cid cid, Path target, long allowance) throws IOException {
    Path partial =
        target.resolveSibling(
            "."
                + target.getFileName()
                + ".partial-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      Cid rebuilt;
      try (InputStream in = cat(cid);
          OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW)) {
        InputStream tee =
            new FilterInputStream(in) {
              long total;

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                  total += n;
                  if (total > allowance)
                    throw new LimitExceededException(
                        "resource "
                            + cid
                            + " is larger than the "
                            + Sizes.format(allowance)
                            + " allowed");
                  out.write(b, off, n);
                }
                return n;
              }
            };
        rebuilt = DagBuilder.rawLeaves(BlockSink.hashOnly()).addFile(tee).cid();
      }
      if (!rebuilt.equals(cid.toV1())) return false;
      if (config.durable()) {
        try (var ch = java.nio.channels.FileChannel.open(partial, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  @Override
  public void pin(Cid cid) throws IOException {
    call(
            request("pin/add", arg(cid) + "&recursive=true")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            "pin/add " + cid)
        .close();
    long size = 0;
    byte[] b = blockGet(cid);
    DagNode n = DagNode.decode(cid, b);
    size = n.isDirectory() ? declaredSize(n) : n.isFile() ? n.fileSize() : b.length;
    pins.add(cid.toV1(), Pins.NODE, size);
  }

  @Override
  public boolean unpin(Cid cid) throws IOException {
    boolean had = pins.remove(cid, Pins.NODE);
    if (had && !pins.isPinned(cid)) rm(cid);
    return had;
  }

  private void rm(Cid cid) throws IOException {
    try {
      call(
              request("pin/rm", arg(cid) + "&recursive=true")
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              "pin/rm " + cid)
          .close();
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("not pinned")) throw e;
    }
  }

  @Override
  public void releaseTask(String taskId) throws IOException {
    String owner = Pins.taskOwner(taskId);
    List<Cid> roots = new ArrayList<>();
    for (Pins.Pin p : pins.all()) if (p.owner().equals(owner)) roots.add(p.root());
    pins.removeOwner(owner);
    for (Cid r : roots) if (!pins.isPinned(r)) rm(r);
  }

  @Override
  public long taskUsage(String taskId) {
    return pins.usage(Pins.taskOwner(taskId));
  }

  @Override
  public GcResult gc() throws IOException {
    String out = callText("repo/gc", null, "repo/gc");
    long removed = out.lines().filter(l -> !l.isBlank() && !l.contains("\"Error\"")).count();
    return new GcResult(removed, -1, -1);
  }

  @Override
  public void close() {
    http.close();
  }
}
