package org.jgolem.compute.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jgolem.compute.ExecutionSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wrapper script ({@code wrapper.sh}) on its own, where it is meant to run: as uid 1000 in a
 * container of jgolem/runtime with the work and output tmpfs mounts, through an exec, as {@link
 * DockerRun} runs it.
 */
class DockerWrapperTest {
  static DockerClient docker;
  static DockerEnvironment probe;
  static String container;

  @BeforeAll
  static void engine() {
    probe = new DockerEnvironment(DockerConfig.of("jgolem-test-wrapper", Set.of()));
    docker = DockerTestSupport.client(probe);
  }

  /**
   * A fresh container for each test, set up as {@link RunContainer} sets one up (the settings the
   * script relies on).
   */
  @BeforeEach
  void container() {
    String runtimeId = DockerTestSupport.requireRuntimeImage();
    container =
        docker
            .createContainerCmd(runtimeId)
            .withUser(RunContainer.KEEPER_USER)
            .withEntrypoint("sleep", "600")
            .withLabels(Map.of(DockerEnvironment.LABEL_NODE, "jgolem-test-wrapper"))
            .withHostConfig(
                HostConfig.newHostConfig()
                    .withNetworkMode("none")
                    .withReadonlyRootfs(true)
                    .withInit(true)
                    .withTmpFs(
                        Map.of(
                            "/tmp",
                            "rw,size=1m,mode=1777",
                            ExecutionSpec.WORK,
                            "rw,exec,size=1m,uid=1000,gid=1000,mode=0700",
                            ExecutionSpec.OUTPUT,
                            "rw,size=1m,uid=1000,gid=1000,mode=0700")))
            .exec()
            .getId();
    docker.startContainerCmd(container).exec();
  }

  @AfterEach
  void removed() {
    if (container != null) docker.removeContainerCmd(container).withForce(true).exec();
    container = null;
  }

  @AfterAll
  static void closed() {
    if (probe != null) {
      DockerTestSupport.assertNoContainers(probe, "jgolem-test-wrapper");
      probe.close();
    }
  }

  /** What an exec wrote: its stdout bytes and its stderr text. */
  record Out(byte[] stdout, String stderr) {
    String text() {
      return new String(stdout, StandardCharsets.ISO_8859_1);
    }
  }

  private static Out exec(List<String> cmd, List<String> env) throws Exception {
    String id =
        docker
            .execCreateCmd(container)
            .withUser(RunContainer.SUBTASK_USER)
            .withWorkingDir(ExecutionSpec.WORK)
            .withEnv(env)
            .withCmd(cmd.toArray(String[]::new))
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StreamCallback cb =
        new StreamCallback(
            (type, bytes) -> {
              synchronized (out) {
                (type == StreamType.STDERR ? err : out).writeBytes(bytes);
              }
            },
            broken -> {});
    docker.execStartCmd(id).withDetach(false).withTty(false).exec(cb);
    assertThat(cb.await(TimeUnit.SECONDS.toNanos(30))).as("the exec ended").isTrue();
    synchronized (out) {
      return new Out(out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
  }

  private static List<String> tarEntries(byte[] tar) throws Exception {
    List<String> names = new ArrayList<>();
    try (var in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (!e.isDirectory())
          names.add(e.getName() + "=" + new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return names;
  }

  @Test
  void runsTheCommandThenPrintsTheTrailerAndStreamsTheOutputFolder() throws Exception {
    String marker = OutputSplitter.newMarker();
    Out o =
        exec(
            DockerWrapper.command(
                marker,
                false,
                "sh",
                List.of(
                    "-c",
                    "echo hello; echo oops >&2; printf '%s' \"$1|$2\" > /golem/output/args.txt; sleep 300 & exit 3",
                    "sh",
                    "$(touch /golem/work/pwned)",
                    "a b ' \" ; `id`")),
            List.of("HOME=/golem/work"));
    String text = o.text();
    int at = text.indexOf(marker);
    assertThat(at).as(text).isPositive();
    assertThat(text.substring(0, at)).isEqualTo("hello\n");
    int eol = text.indexOf('\n', at);
    String[] trailer = text.substring(at + marker.length(), eol).strip().split(" ");
    assertThat(trailer).hasSize(3);
    assertThat(trailer[0]).as("the subtask's exit status").isEqualTo("3");
    assertThat(Long.parseLong(trailer[1])).as("peak memory").isPositive();
    assertThat(Long.parseLong(trailer[2])).as("cpu nanos").isGreaterThanOrEqualTo(0);
    byte[] tar = java.util.Arrays.copyOfRange(o.stdout(), eol + 1, o.stdout().length);
    assertThat(tarEntries(tar))
        .containsExactly("./args.txt=$(touch /golem/work/pwned)|a b ' \" ; `id`");
    assertThat(o.stderr()).isEqualTo("oops\n");

    // nothing was run from the arguments, and what the subtask left running was killed
    Out after =
        exec(
            List.of(
                "sh",
                "-c",
                "ls -A /golem/work; for p in /proc/[0-9]*; do "
                    + "[ \"$(cat $p/comm)\" = sleep ] && [ -O $p ] && echo sleeping; done; rm -f /golem/output/*; true"),
            List.of());
    assertThat(after.text()).isEmpty();
  }

  @Test
  void aMarkerIsPrintedAsItIsNeverRunAndTheSessionModeKeepsWhatTheSubtaskAskedFor()
      throws Exception {
    String forged = (char) OutputSplitter.FIRST + "x$(touch /golem/work/pwned)%s";
    Out o =
        exec(
            DockerWrapper.command(
                forged,
                true,
                "sh",
                List.of(
                    "-c",
                    "echo kept > \"$JGOLEM_SESSION/state\"; touch \"$JGOLEM_SESSION/keep\"; echo out > /golem/output/o")),
            List.of(ExecutionSpec.SESSION_VARIABLE + "=" + DockerRun.SESSION_STATE));
    assertThat(o.text()).contains(forged + " 0 ");
    Out next =
        exec(
            DockerWrapper.command(
                OutputSplitter.newMarker(),
                true,
                "sh",
                List.of(
                    "-c", "ls -A /golem/work; cat \"$JGOLEM_SESSION/state\"; ls -A /golem/output")),
            List.of(ExecutionSpec.SESSION_VARIABLE + "=" + DockerRun.SESSION_STATE));
    assertThat(next.text())
        .startsWith(".jgolem-session\nkept\n" + (char) OutputSplitter.FIRST)
        .as("the output folder is emptied between the subtasks of a session")
        .doesNotContain("pwned");
  }

  @Test
  void theScriptIsConstantAndItsFoldersAreTheSpecs() {
    assertThat(DockerWrapper.command(OutputSplitter.newMarker(), false, "x", List.of()).get(2))
        .isSameAs(DockerWrapper.SCRIPT);
    assertThat(DockerWrapper.SCRIPT)
        .contains("exec tar -C " + ExecutionSpec.OUTPUT + " -cf - .")
        .contains(ExecutionSpec.WORK + "/*")
        .contains("$" + ExecutionSpec.SESSION_VARIABLE);
  }
}
