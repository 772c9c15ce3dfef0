package org.jgolem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jgolem.it.harness.Conditions.connectedTo;
import static org.jgolem.it.harness.Conditions.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.jgolem.it.harness.Api;
import org.jgolem.it.harness.Network;
import org.jgolem.it.harness.NodeProcess;
import org.jgolem.it.harness.Observer;
import org.jgolem.it.harness.RenderTask;
import org.jgolem.it.harness.Views.ApiError;
import org.jgolem.testkit.Anvil;
import org.jgolem.testkit.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Task files with mistakes, given to a running requestor through the REST API and the CLI: every
 * problem is named by its JSON path (HTTP 400; the CLI prints them and exits 1), and nothing
 * starts: no task is listed, no work folder is left, and no header reaches the network (an observer
 * node joined to the requestor sees none, until a valid task is announced at the end).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InvalidTaskFileTest {
  static Network net;
  static NodeProcess requestor;
  static NodeProcess provider;
  static Observer observer;
  static Path dir;

  @BeforeAll
  static void up() throws IOException {
    net = Network.create("invalid-task-files");
    requestor = net.requestor("requestor", Duration.ofSeconds(30));
    provider = net.provider("provider", requestor);
    net.start(requestor, provider);
    observer = new Observer(net.root().resolve("observer"), requestor.endpoint(), Anvil.CHAIN_ID);
    requestor.verify(connectedTo(2).within(Duration.ofSeconds(60)));
    dir = Files.createDirectories(net.root().resolve("files"));
  }

  @AfterAll
  static void down() {
    if (observer != null) observer.close();
    if (net != null) net.close();
  }

  /** A valid gWASM render task in {@code name}/, to break in different ways. */
  static Path valid(String name) {
    return RenderTask.write(
            dir.resolve(name),
            RenderTask.Spec.of(name, RenderTask.scene(64, 48, 4, 2), 1).verification(1, 0))
        .taskFile();
  }

  static Path edit(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    return Files.writeString(file, text.replace(from, to));
  }

  /**
   * Asserts the API refuses the file with 400 naming each path, and the CLI says the same and exits
   * 1.
   */
  static List<String> refused(Path file, String... paths) {
    Api.Response r = requestor.api().createTask(file);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
    ApiError error = r.error();
    assertThat(error.error()).isEqualTo("bad_request");
    List<String> details = error.details();
    for (String p : paths) {
      assertThat(details)
          .as("a problem at " + p + " in " + details)
          .anyMatch(d -> d.startsWith(p + ":"));
    }
    assertThat(details)
        .as("one line per problem, each named by its path")
        .hasSize(paths.length)
        .allMatch(d -> d.startsWith("$"));

    Network.CliRun cli = net.cli(requestor, "tasks", "create", file.toString());
    assertThat(cli.exitCode()).as(cli.stderr()).isEqualTo(1);
    assertThat(cli.stderr()).contains("golem: error:").contains(file.getFileName().toString());
    for (String d : details)
      assertThat(cli.stderr()).as("the CLI prints every problem").contains(d);
    assertThat(cli.stdout()).isEmpty();
    return details;
  }

  @Test
  @Order(1)
  void everyProblemOfTheCommonPartIsNamedByItsPath() throws IOException {
    Path f = valid("common");
    edit(f, "\"timeout\" : \"0:10:00\"", "\"timeout\" : \"ten minutes\"");
    edit(f, "\"bid\" : \"1\"", "\"bid\" : \"-1\", \"colour\" : \"blue\"");
    edit(f, "\"name\" : \"common\",", "");
    edit(f, "\"subtasks_count\" : 1", "\"subtasks_count\" : 0");
    refused(f, "$.timeout", "$.bid", "$.colour", "$.name", "$.subtasks_count");
  }

  @Test
  @Order(2)
  void everyProblemOfTheWasmOptionsIsNamedByItsPath() throws IOException {
    Path f = valid("options");
    edit(f, "\"wasm_name\" : \"render.wasm\"", "\"wasm_name\" : \"missing.wasm\"");
    edit(f, "\"output_dir\" : \"output\"", "\"output_dir\" : \"input/out\"");
    edit(
        f,
        "\"output_file_paths\" : [ \"band-0-of-1.pgm\" ]",
        "\"output_file_paths\" : [ \"../escape.pgm\" ]");
    edit(f, "\"subtasks_count\" : 1", "\"subtasks_count\" : 2");
    List<String> details =
        refused(
            f,
            "$.options.wasm_name",
            "$.options.output_dir",
            "$.options.subtasks.band0.output_file_paths[0]",
            "$.subtasks_count");
    assertThat(details).anyMatch(d -> d.contains("missing.wasm"));
  }

  @Test
  @Order(3)
  void aFileThatIsNotJsonIsRefusedWithWhereItBreaks() throws IOException {
    Path f = Files.writeString(dir.resolve("broken.json"), "{\"type\": \"wasm\",\n \"name\": }\n");
    List<String> details = refused(f, "$");
    assertThat(details.get(0)).contains("not valid JSON at line 2");
  }

  @Test
  @Order(4)
  void aMissingFileAndARelativePathAreRefused() {
    refused(dir.resolve("nowhere.json"), "$");
    Api.Response r =
        requestor.api().post("/v1/tasks", java.util.Map.of("file", "relative/task.json"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().message()).contains("absolute");
  }

  @Test
  @Order(5)
  void aValidTaskTheRequestorCannotPayForIsRefusedToo() {
    Path f = valid("unfunded");
    Api.Response r = requestor.api().createTask(f);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(402);
    assertThat(r.error().error()).isEqualTo("insufficient_funds");
    assertThat(r.error().message()).contains("GNT");
  }

  @Test
  @Order(6)
  void nothingWasStartedOrAnnouncedAndAValidTaskIsAnnouncedOnce() throws IOException {
    assertThat(requestor.api().tasks()).as("tasks").isEmpty();
    Path work = requestor.dataDir().resolve("requestor").resolve("tasks");
    if (Files.isDirectory(work)) {
      try (Stream<Path> s = Files.list(work)) {
        assertThat(s.toList()).as("work folders left by refused tasks").isEmpty();
      }
    }
    assertThat(observer.peers()).as("the observer is connected").isPositive();
    assertThat(observer.headersSeen()).as("headers the observer saw").isEmpty();

    // the observer would have seen one: a valid, funded task is announced and computed
    net.fund(requestor, 100, 1);
    Path f = valid("good");
    Api.Response r = requestor.api().createTask(f);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    String id = r.task().id();
    Await.condition(
        "the observer to see the header",
        Duration.ofSeconds(30),
        () -> !observer.headersSeen().isEmpty(),
        () -> observer.headersSeen().toString());
    requestor.verify(task(id).finished().within(Duration.ofMinutes(1)));
    assertThat(observer.headersSeen()).hasSize(1);
    assertThat(requestor.api().tasks()).hasSize(1);
  }
}
