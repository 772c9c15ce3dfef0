package org.jgolem.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: Debian's {@code postgresql} package (installed by {@code
 * scripts/test} through {@code ensure_postgres} in {@code scripts/lib.sh}), a cluster of its own
 * made with {@code initdb} in a temporary folder and started with {@code pg_ctl} on a free loopback
 * port, trust authentication for the user {@link #USER}, no Unix socket. The one PostgreSQL starter
 * of the project (Concent's store uses it; the registry service is meant to share it).
 *
 * <p>Binaries: {@code $JGOLEM_PG_BIN} if set, else the newest {@code /usr/lib/postgresql/*}{@code
 * /bin}. As root, the server runs as the {@code postgres} user (which the package creates) through
 * {@code runuser}: PostgreSQL refuses to run as root. Durability is off (fsync, synchronous
 * commit): these clusters are thrown away.
 *
 * <p>{@link #shared()} starts one cluster per JVM, stopped at exit; {@link #createDatabase} gives
 * each test a fresh database in it. A cluster left running by a JVM that was killed is stopped and
 * deleted by the next start. If PostgreSQL is missing or does not start, this throws with the
 * reason: the tests that need it fail, they are never skipped.
 */
public final class Postgres implements AutoCloseable {
  /** The cluster's superuser (trust authentication, loopback only). */
  public static final String USER = "jgolem";

  private static final String DIR_PREFIX = "jgolem-pg-";
  private static final String OWNER_FILE = "owner.pid";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static Postgres shared;

  private final Path bin;
  private final Path dir;
  private final List<String> runAs;
  private final int port;
  private boolean closed;

  private Postgres(Path bin, Path dir, List<String> runAs, int port) {
    this.bin = bin;
    this.dir = dir;
    this.runAs = runAs;
    this.port = port;
  }

  /** The JVM's one cluster, started on first use and stopped when the JVM exits. */
  public static synchronized Postgres shared() {
    if (shared == null) {
      Postgres pg = start();
      Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "postgres-stop"));
      shared = pg;
    }
    return shared;
  }

  /** Starts a new cluster; {@link #close()} stops it and deletes its folder. */
  public static Postgres start() {
    Path bin = binaries();
    List<String> runAs = runAs();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (!runAs.isEmpty() && !traversableByOthers(tmp)) {
      tmp = Path.of("/tmp"); // the postgres user could not reach a folder under this one
    }
    reapOrphans(tmp, bin, runAs);
    Path dir;
    try {
      dir = Files.createTempDirectory(tmp, DIR_PREFIX);
      Files.writeString(dir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
      if (!runAs.isEmpty()) {
        UserPrincipal postgres =
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot make a folder for PostgreSQL in " + tmp, e);
    }
    Path data = dir.resolve("data");
    run(
        concat(
            runAs,
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync"),
        "initdb");
    String last = "";
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        Files.writeString(
            data.resolve("postgresql.conf"),
            String.join(
                "\n",
                "",
                "# jgolem test cluster",
                "listen_addresses = '127.0.0.1'",
                "port = " + port,
                "unix_socket_directories = ''",
                "max_connections = 200",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                ""),
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Result r =
          exec(
              concat(
                  runAs,
                  bin.resolve("pg_ctl").toString(),
                  "-D",
                  data.toString(),
                  "-l",
                  dir.resolve("postgres.log").toString(),
                  "-w",
                  "-t",
                  "60",
                  "start"));
      if (r.code == 0) {
        Postgres pg = new Postgres(bin, dir, runAs, port);
        pg.createDatabaseNamed(USER);
        return pg;
      }
      last = r.output + "\n" + tail(dir.resolve("postgres.log"));
    }
    deleteTree(dir);
    throw new IllegalStateException("PostgreSQL did not start (" + bin + "):\n" + last);
  }

  /** The JDBC URL of the database named {@link #USER}, which every cluster has. */
  public String jdbcUrl() {
    return jdbcUrl(USER);
  }

  /** The JDBC URL of database {@code name} in this cluster. */
  public String jdbcUrl(String name) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=" + USER;
  }

  /**
   * Creates a fresh, empty database whose name starts with {@code prefix} (letters, digits and
   * {@code _}); returns its JDBC URL.
   */
  public String createDatabase(String prefix) {
    String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    String name = clean + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    createDatabaseNamed(name);
    return jdbcUrl(name);
  }

  private void createDatabaseNamed(String name) {
    run(
        List.of(
            bin.resolve("createdb").toString(),
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(port),
            "-U",
            USER,
            name),
        "createdb " + name);
  }

  public int port() {
    return port;
  }

  /** Stops the server (fast shutdown: open sessions are ended) and deletes its folder. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop(bin, dir, runAs);
  }

  private static void stop(Path bin, Path dir, List<String> runAs) {
    Path data = dir.resolve("data");
    if (Files.exists(data.resolve("postmaster.pid"))) {
      exec(
          concat(
              runAs,
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-m",
              "fast",
              "-w",
              "-t",
              "30",
              "stop"));
    }
    deleteTree(dir);
  }

  /** Stops and deletes the clusters of JVMs that are gone (killed before their shutdown hook). */
  private static void reapOrphans(Path tmp, Path bin, List<String> runAs) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DIR_PREFIX + "*")) {
      for (Path d : dirs) {
        Path owner = d.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(Files.readString(owner).trim());
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        stop(bin, d, runAs);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: an orphan costs memory, not correctness
    }
  }

  private static Path binaries() {
    String env = System.getenv("JGOLEM_PG_BIN");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (!Files.isExecutable(p.resolve("initdb"))) {
        throw new IllegalStateException("JGOLEM_PG_BIN=" + env + " has no executable initdb");
      }
      return p;
    }
    Path root = Path.of("/usr/lib/postgresql");
    Optional<Path> newest = Optional.empty();
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        newest =
            versions
                .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                .max(Comparator.comparingInt(Postgres::versionOf))
                .map(v -> v.resolve("bin"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return newest.orElseThrow(() ->
        new IllegalStateException(
            "PostgreSQL is not installed: no initdb under /usr/lib/postgresql/*/bin. Install"
                + " Debian's postgresql package (scripts/test does it: ensure_postgres in"
                + " scripts/lib.sh), or set JGOLEM_PG_BIN to a folder holding initdb, pg_ctl"
                + " and createdb"));
  }

  private static int versionOf(Path versionDir) {
    try {
      return Integer.parseInt(versionDir.getFileName().toString().replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The command prefix that runs the server as a non-root user: empty unless we are root. */
  private static List<String> runAs() {
    int uid;
    try {
      uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      return List.of();
    }
    if (uid != 0) {
      return List.of();
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/runuser"))
        && !Files.isExecutable(Path.of("/sbin/runuser"))) {
      throw new IllegalStateException(
          "running as root, PostgreSQL must run as another user, but runuser is missing");
    }
    Result id = exec(List.of("id", "-u", "postgres"));
    if (id.code != 0) {
      throw new IllegalStateException(
          "running as root, PostgreSQL must run as the postgres user, which does not exist:"
              + " install Debian's postgresql package (it creates it)");
    }
    return List.of("runuser", "-u", "postgres", "--");
  }

  private static boolean traversableByOthers(Path dir) {
    try {
      for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
        if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return false;
        }
      }
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static List<String> concat(List<String> prefix, String... rest) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(rest));
    return all;
  }

  private record Result(int code, String output) {}

  private static void run(List<String> cmd, String what) {
    Result r = exec(cmd);
    if (r.code != 0) {
      throw new IllegalStateException(what + " failed (exit " + r.code + "): " + r.output);
    }
  }

  private static Result exec(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", cmd));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, "cannot run " + cmd.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder())
          .forEach(p -> {
            try {
              Files.deleteIfExists(p);
            } catch (IOException e) {
              // best effort
            }
          });
    } catch (IOException e) {
      // best effort
    }
  }
}
