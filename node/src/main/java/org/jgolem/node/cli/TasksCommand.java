package org.jgolem.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jgolem.node.api.NodeService.SubtaskSummary;
import org.jgolem.node.api.NodeService.TaskSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
    name = "tasks",
    mixinStandardHelpOptions = true,
    description = "Create, list, restart and abort tasks.",
    subcommands = {
      TasksCommand.Create.class,
      TasksCommand.Show.class,
      TasksCommand.Subtasks.class,
      TasksCommand.Restart.class,
      TasksCommand.RestartSubtask.class,
      TasksCommand.Abort.class
    })
final class TasksCommand {
  /** States after which a task changes no more (until restarted). */
  static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "ABORTED", "TIMED_OUT");

  static String path(String id) {
    return "/v1/tasks/" + ApiClient.segment(id);
  }

  static void printTask(PrintWriter out, TaskSummary t) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("ID", t.id());
    f.put("Name", t.name());
    f.put("Type", t.type());
    f.put("State", t.state());
    f.put("Progress", Views.progress(t) + " subtasks accepted");
    f.put("Created", Views.time(t.createdAt()));
    f.put("Deadline", Views.time(t.deadline()));
    f.put("Bid", Amounts.gnt(t.bidPerHour()) + " per hour");
    f.put("Spent", Amounts.gnt(t.spent()));
    if (t.verificationMs() > 0) {
      f.put(
          "Verification",
          String.format(
              java.util.Locale.ROOT,
              "%.1f s of re-rendering on this node",
              t.verificationMs() / 1000.0));
    }
    f.put("Output", Views.orDash(t.outputPath()));
    Table.fields(out, f);
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Start a task from a task file.",
        "With --wait, show its progress until it ends; exit 1 if it does not finish (interrupting leaves it running)."
      })
  static final class Create extends GolemCli.Base {
    @Parameters(
        paramLabel = "FILE",
        description = "The task file (JSON); sent to the node as an absolute path.")
    Path file;

    @Option(names = "--wait", description = "Wait for the task to end, showing a progress bar.")
    boolean await;

    @Option(
        names = "--interval",
        paramLabel = "SECONDS",
        defaultValue = "2",
        description = "With --wait: seconds between progress checks (default: ${DEFAULT-VALUE}).")
    BigDecimal interval;

    /** With --wait and no terminal: a progress line at least this often while nothing changes. */
    static final Duration HEARTBEAT = Duration.ofSeconds(30);

    @Override
    public Integer call() throws InterruptedException {
      if (interval.signum() <= 0 || interval.compareTo(BigDecimal.valueOf(3600)) > 0) {
        throw new ParameterException(
            spec.commandLine(),
            "--interval must be more than 0 and at most 3600 seconds, got "
                + interval.toPlainString());
      }
      ApiClient api = client();
      JsonNode created =
          api.post("/v1/tasks", Map.of("file", file.toAbsolutePath().normalize().toString()));
      TaskSummary task = ApiClient.read(created, TaskSummary.class);
      if (!await) {
        return show(
            created,
            () ->
                out()
                    .println(
                        "Task "
                            + task.id()
                            + " created: "
                            + task.name()
                            + " ("
                            + task.type()
                            + "), "
                            + task.subtasks()
                            + " subtasks, "
                            + task.state()));
      }
      if (!json()) {
        out()
            .println(
                "Task "
                    + task.id()
                    + " created: "
                    + task.name()
                    + " ("
                    + task.type()
                    + "), "
                    + task.subtasks()
                    + " subtasks");
      }
      // with --json, stdout carries only the final JSON: the progress goes to stderr, as lines
      GolemCli root = root();
      ProgressView view =
          new ProgressView(json() ? err() : out(), root.terminal && !json(), HEARTBEAT, root.clock);
      Duration every =
          Duration.ofMillis(Math.max(1, interval.multiply(BigDecimal.valueOf(1000)).longValue()));
      JsonNode last =
          root.withScheduler(scheduler ->
              TaskWatch.await(
                  new TaskWatch(scheduler, every)
                      .until(created, () -> api.get(path(task.id())), view::update)));
      view.finish();
      TaskSummary end = ApiClient.read(last, TaskSummary.class);
      if (json()) {
        root().printJson(out(), last);
      } else if ("FINISHED".equals(end.state())) {
        out()
            .println(
                "Task "
                    + end.id()
                    + " finished: "
                    + end.subtasksAccepted()
                    + "/"
                    + end.subtasks()
                    + " subtasks accepted, spent "
                    + Amounts.gnt(end.spent())
                    + "; output in "
                    + Views.orDash(end.outputPath()));
        out().flush();
      }
      if (!"FINISHED".equals(end.state())) {
        return fail(
            "task "
                + end.id()
                + " ended "
                + end.state()
                + " with "
                + end.subtasksAccepted()
                + "/"
                + end.subtasks()
                + " subtasks accepted; see 'golem tasks subtasks "
                + end.id()
                + "'");
      }
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "List the tasks, or show one.")
  static final class Show extends GolemCli.Base {
    @Parameters(
        paramLabel = "ID",
        arity = "0..1",
        description = "The task to show; all tasks if omitted.")
    String id;

    @Override
    public Integer call() {
      if (id != null) {
        JsonNode node = client().get(path(id));
        return show(node, () -> printTask(out(), ApiClient.read(node, TaskSummary.class)));
      }
      JsonNode node = client().get("/v1/tasks");
      return show(
          node,
          () -> {
            List<TaskSummary> tasks = ApiClient.readList(node, TaskSummary.class);
            if (tasks.isEmpty()) {
              out().println("No tasks.");
              return;
            }
            Table table =
                new Table("ID", "NAME", "TYPE", "STATE", "PROGRESS", "SPENT", "CREATED")
                    .alignRight(4, 5);
            for (TaskSummary t : tasks) {
              table.row(
                  t.id(),
                  t.name(),
                  t.type(),
                  t.state(),
                  Views.progress(t),
                  Amounts.gnt(t.spent()),
                  Views.time(t.createdAt()));
            }
            table.print(out());
          });
    }
  }

  @Command(
      name = "subtasks",
      mixinStandardHelpOptions = true,
      description = "List a task's subtasks.")
  static final class Subtasks extends GolemCli.Base {
    @Parameters(paramLabel = "ID", description = "The task.")
    String id;

    @Override
    public Integer call() {
      JsonNode node = client().get(path(id) + "/subtasks");
      return show(
          node,
          () -> {
            List<SubtaskSummary> subtasks = ApiClient.readList(node, SubtaskSummary.class);
            if (subtasks.isEmpty()) {
              out().println("Task " + id + " has no subtasks.");
              return;
            }
            // the CONCENT column only when a subtask went to Concent: with Concent off the
            // table is as it always was
            boolean concent =
                subtasks.stream().anyMatch(s -> s.concent() != null && !s.concent().isEmpty());
            Table table =
                concent
                    ? new Table(
                            "NAME",
                            "STATE",
                            "ATTEMPTS",
                            "PROVIDERS",
                            "VERIFICATION",
                            "RESULT",
                            "CONCENT")
                        .alignRight(2)
                    : new Table("NAME", "STATE", "ATTEMPTS", "PROVIDERS", "VERIFICATION", "RESULT")
                        .alignRight(2);
            for (SubtaskSummary s : subtasks) {
              // an assignment of several of the file's subtasks shows them all: "s0 (+ s1 s2)"
              String name =
                  s.covers() == null || s.covers().size() < 2
                      ? s.name()
                      : s.name()
                          + " (+ "
                          + String.join(" ", s.covers().subList(1, s.covers().size()))
                          + ")";
              if (concent) {
                table.row(
                    name,
                    s.state(),
                    s.attempts(),
                    Views.list(s.providers()),
                    Views.orDash(s.verification()),
                    Views.orDash(s.resultCid()),
                    Views.orDash(s.concent()));
              } else {
                table.row(
                    name,
                    s.state(),
                    s.attempts(),
                    Views.list(s.providers()),
                    Views.orDash(s.verification()),
                    Views.orDash(s.resultCid()));
              }
            }
            table.print(out());
          });
    }
  }

  @Command(
      name = "restart",
      mixinStandardHelpOptions = true,
      description =
          "Start a finished, failed or aborted task again (subtasks without an accepted result are recomputed).")
  static final class Restart extends GolemCli.Base {
    @Parameters(paramLabel = "ID", description = "The task.")
    String id;

    @Override
    public Integer call() {
      JsonNode node = client().post(path(id) + "/restart", Map.of());
      TaskSummary t = ApiClient.read(node, TaskSummary.class);
      return show(
          node,
          () ->
              out()
                  .println(
                      "Task "
                          + t.id()
                          + " restarted: "
                          + t.state()
                          + ", "
                          + Views.progress(t)
                          + " subtasks accepted"));
    }
  }

  @Command(
      name = "restart-subtask",
      mixinStandardHelpOptions = true,
      description =
          "Recompute one subtask (its accepted result, if any, is dropped; what was paid stays paid).")
  static final class RestartSubtask extends GolemCli.Base {
    @Parameters(index = "0", paramLabel = "ID", description = "The task.")
    String id;

    @Parameters(index = "1", paramLabel = "SUBTASK", description = "The subtask's name.")
    String subtask;

    @Override
    public Integer call() {
      JsonNode node =
          client()
              .post(path(id) + "/subtasks/" + ApiClient.segment(subtask) + "/restart", Map.of());
      SubtaskSummary s = ApiClient.read(node, SubtaskSummary.class);
      return show(
          node,
          () ->
              out()
                  .println(
                      "Subtask "
                          + s.name()
                          + " of task "
                          + s.taskId()
                          + " restarted: "
                          + s.state()));
    }
  }

  @Command(
      name = "abort",
      mixinStandardHelpOptions = true,
      description =
          "Stop a task: no new assignments, running ones are cancelled; accepted work is still paid.")
  static final class Abort extends GolemCli.Base {
    @Parameters(paramLabel = "ID", description = "The task.")
    String id;

    @Override
    public Integer call() {
      JsonNode node = client().post(path(id) + "/abort", Map.of());
      TaskSummary t = ApiClient.read(node, TaskSummary.class);
      return show(
          node,
          () ->
              out()
                  .println(
                      "Task "
                          + t.id()
                          + " aborted: "
                          + t.state()
                          + ", "
                          + Views.progress(t)
                          + " subtasks accepted"));
    }
  }
}
