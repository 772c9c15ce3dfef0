/**
 * The Docker environment of the provider's task computer: {@link
 * org.jgolem.compute.docker.DockerEnvironment}. All docker-java code of the node is in this
 * package.
 *
 * <p>One container per subtask, created from a whitelisted image id (never a tag), with no network,
 * a read-only root filesystem, every capability dropped, no-new-privileges, memory (no swap), CPU
 * and pids limits, and the resources folder bound read-only. Everything writable is a size- and
 * inode-limited tmpfs ({@code /tmp}, {@code /golem/work}, {@code /golem/output}, {@code /dev/shm}),
 * charged to the memory limit, so a subtask cannot write to the host's disk at all; logging is off
 * ({@code none}), so the engine keeps no logs of it either.
 *
 * <p>tmpfs contents are visible only inside the running container and vanish when it stops, so the
 * container's main process is an idle keeper ({@code docker-init -- sleep}, uid 65534) and the
 * subtask runs through an exec as 1000:1000. When its command exits, a wrapper shell in the same
 * exec kills every other process of uid 1000 (what the subtask left behind), prints a marked
 * trailer line and streams {@code /golem/output} out with {@code tar}; {@link
 * org.jgolem.compute.docker.OutputSplitter} parts log and archive, and {@link
 * org.jgolem.compute.docker.OutputTar} extracts the archive on the host trusting nothing in it.
 * Then the container is force-removed, on every path. Containers carry the labels {@code
 * org.jgolem.node}, {@code org.jgolem.instance} and {@code org.jgolem.subtask}; a new environment
 * removes those its node's earlier runs left behind.
 *
 * <p>Exceptions to one container per subtask: a session's subtasks (one task's, one requestor's)
 * share a kept container ({@link org.jgolem.compute.docker.DockerSessions}), and a warm sandbox,
 * made while the node is idle by the node's own program ({@link org.jgolem.compute.WarmUp}),
 * becomes the container of the one new session it is given to.
 */
package org.jgolem.compute.docker;
