package org.jgolem.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jgolem.node.api.ApiConfig;
import org.jgolem.node.api.ApiToken;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code golem}: the operator's command line. It talks to a running node's local REST API, found
 * from the node's data folder. Exit codes: 0 done, 1 the operation failed (message on stderr), 2
 * usage error.
 */
@Command(
    name = "golem",
    mixinStandardHelpOptions = true,
    versionProvider = GolemCli.Version.class,
    description = "Operate a jgolem node through its local REST API.",
    subcommands = {
      StatusCommand.class,
      TasksCommand.class,
      NetworkCommand.class,
      PaymentsCommand.class,
      IncomesCommand.class,
      AccountCommand.class,
      SettingsCommand.class,
      ConcentCommand.class,
      NodeCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  JGOLEM_DATA  the node's data folder (like --data-dir)",
      "  JGOLEM_API   the API's base URL (like --api)",
      "%nThe API address is read from <data-dir>/"
          + ApiConfig.ADDRESS_FILE
          + " (written by a running node),"
          + " else http://127.0.0.1:"
          + ApiConfig.DEFAULT_PORT
          + "; the token from <data-dir>/"
          + ApiToken.FILE
          + ".",
      "%nExit codes: 0 done, 1 the operation failed, 2 usage error."
    })
public final class GolemCli {
  static final String DATA_ENV = "JGOLEM_DATA";
  static final String API_ENV = "JGOLEM_API";

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "The node's data folder (default: $" + DATA_ENV + ", else ~/.jgolem).")
  Path dataDir;

  @Option(
      names = "--api",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      description =
          "The API's base URL, e.g. http://127.0.0.1:61000 (default: $"
              + API_ENV
              + ", else from the data folder).")
  String api;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "The API token file (default: <data-dir>/" + ApiToken.FILE + ").")
  Path tokenFile;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print the API's JSON instead of tables.")
  boolean json;

  @Spec CommandSpec spec;

  final Map<String, String> env;
  final boolean terminal;
  final ClassLoader launcherLoader;
  final Clock clock;

  /** Times the polls of {@code --wait}; null: a timer thread of the command's own. */
  private final ScheduledExecutorService scheduler;

  /**
   * @param env the environment ({@code JGOLEM_DATA}, {@code JGOLEM_API}, {@code HOME}-less lookups)
   * @param terminal whether stdout is a terminal: progress bars are redrawn in place, else printed
   *     as lines
   * @param launcherLoader where {@code node start} looks for a {@link DaemonLauncher}
   */
  public GolemCli(Map<String, String> env, boolean terminal, ClassLoader launcherLoader) {
    this(env, terminal, launcherLoader, Clock.systemUTC(), null);
  }

  /**
   * As above, with the clock and the scheduler that time {@code --wait} (not shut down by the CLI).
   */
  public GolemCli(
      Map<String, String> env,
      boolean terminal,
      ClassLoader launcherLoader,
      Clock clock,
      ScheduledExecutorService scheduler) {
    this.env = Map.copyOf(env);
    this.terminal = terminal;
    this.launcherLoader = launcherLoader;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** What a command does with a scheduler. */
  interface Timed<T> {
    T run(ScheduledExecutorService scheduler) throws InterruptedException;
  }

  /**
   * Runs {@code body} with the injected scheduler, or with a daemon timer thread that lives as long
   * as it.
   */
  <T> T withScheduler(Timed<T> body) throws InterruptedException {
    if (scheduler != null) {
      return body.run(scheduler);
    }
    ScheduledExecutorService own =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "golem-poll");
          t.setDaemon(true);
          return t;
        });
    try {
      return body.run(own);
    } finally {
      own.shutdownNow();
    }
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, charset());
    PrintWriter err = new PrintWriter(System.err, true, charset());
    GolemCli cli =
        new GolemCli(
            System.getenv(), stdoutIsTerminal(), Thread.currentThread().getContextClassLoader());
    int code = commandLine(cli, out, err).execute(args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * The configured command line: output to {@code out}/{@code err}, failures reported as exit code
   * 1.
   */
  public static CommandLine commandLine(GolemCli cli, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(cli);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      PrintWriter e = cmd.getErr();
      if (ex instanceof CliException c) {
        e.println("golem: error: " + c.getMessage());
        c.details().forEach(d -> e.println("  - " + d));
      } else {
        e.println("golem: unexpected error: " + ex);
      }
      e.flush();
      return 1;
    });
    return cl;
  }

  // ---------------------------------------------------------------- what the commands share

  /** The data folder: --data-dir, else $JGOLEM_DATA, else ~/.jgolem. */
  Path dataDir() {
    if (dataDir != null) {
      return dataDir.toAbsolutePath();
    }
    String fromEnv = env.get(DATA_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath();
    }
    return Path.of(System.getProperty("user.home"), ".jgolem");
  }

  private String dataDirSource() {
    return dataDir != null
        ? "--data-dir"
        : env.get(DATA_ENV) != null && !env.get(DATA_ENV).isBlank()
            ? DATA_ENV
            : "the default data folder";
  }

  ApiClient client(CommandLine command) {
    URI base;
    String source;
    if (api != null) {
      source = "--api";
      base = parseApi(api, source, command);
    } else if (env.get(API_ENV) != null && !env.get(API_ENV).isBlank()) {
      source = API_ENV;
      base = parseApi(env.get(API_ENV), source, command);
    } else {
      Path file = dataDir().resolve(ApiConfig.ADDRESS_FILE);
      String text = null;
      try {
        text = Files.readString(file).strip();
      } catch (NoSuchFileException e) {
        // no running node wrote it: the default
      } catch (IOException e) {
        throw new CliException("cannot read the API address file " + file + ": " + e);
      }
      if (text != null) {
        source = file.toString();
        base = parseApi(text, source, command);
      } else {
        source = "the default, as " + file + " does not exist";
        base = URI.create("http://127.0.0.1:" + ApiConfig.DEFAULT_PORT);
      }
    }
    Path tokens = tokenFile != null ? tokenFile.toAbsolutePath() : dataDir().resolve(ApiToken.FILE);
    String token;
    try {
      token = ApiToken.read(tokens);
    } catch (NoSuchFileException e) {
      throw new CliException(
          "no API token file at "
              + tokens
              + " ("
              + (tokenFile != null
                  ? "from --token-file"
                  : "in the data folder from " + dataDirSource())
              + "). The node creates it at its first start: is the node"
              + " using this data folder? Name the right one with --data-dir (or "
              + DATA_ENV
              + "), or the file with"
              + " --token-file.");
    } catch (IOException e) {
      throw new CliException("cannot read the API token: " + e.getMessage());
    }
    return new ApiClient(base, source, token, tokens);
  }

  private URI parseApi(String text, String source, CommandLine command) {
    String t = text.strip();
    if (!t.contains("://")) {
      t = "http://" + t;
    }
    try {
      URI u = new URI(t);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new URISyntaxException(t, "expected http://HOST:PORT");
      }
      return u;
    } catch (URISyntaxException e) {
      String message =
          "the API address '"
              + text
              + "' (from "
              + source
              + ") is not a URL like http://127.0.0.1:"
              + ApiConfig.DEFAULT_PORT;
      if (source.startsWith("--") || source.equals(API_ENV)) {
        throw new ParameterException(command, message);
      }
      throw new CliException(message);
    }
  }

  /** Prints a JSON answer as it came, indented. */
  void printJson(PrintWriter out, JsonNode node) {
    try {
      out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Charset charset() {
    String enc = System.getProperty("stdout.encoding");
    try {
      return enc == null ? Charset.defaultCharset() : Charset.forName(enc);
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }

  /**
   * System.console() is not enough on JDK 22+ (it exists when redirected); ask isTerminal() where
   * it exists.
   */
  static boolean stdoutIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // JDK 21: a console exists only on a terminal
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = GolemCli.class.getPackage().getImplementationVersion();
      return new String[] {"golem (jgolem) " + (v == null ? "development build" : v)};
    }
  }

  /** The base of the commands: the root's options and output. */
  abstract static class Base implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    GolemCli root() {
      return (GolemCli) spec.root().userObject();
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    ApiClient client() {
      return root().client(spec.commandLine());
    }

    boolean json() {
      return root().json;
    }

    /** Prints the JSON with --json, otherwise runs the table printer. */
    int show(JsonNode node, Runnable table) {
      if (json()) {
        root().printJson(out(), node);
      } else {
        table.run();
        out().flush();
      }
      return 0;
    }

    /**
     * A failed outcome that is not an error of the CLI (e.g. the awaited task failed): message,
     * exit 1.
     */
    int fail(String message) {
      err().println("golem: error: " + message);
      err().flush();
      return 1;
    }

    static List<String> orEmpty(List<String> l) {
      return l == null ? List.of() : l;
    }
  }
}
