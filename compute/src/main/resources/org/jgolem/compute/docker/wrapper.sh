# The wrapper around one subtask, run by /bin/sh -c as uid 1000 in /golem/work of the subtask's container (see
# DockerRun and DockerWrapper). Arguments: the run's marker (its hex part), 1 in a session (0 outside one), then the
# subtask's command and its arguments, which are run as they are (never parsed by a shell).
#
# It runs the subtask; then, outside a session, kills every other process of uid 1000 (what the subtask left
# running: docker-init and the keeper are uid 65534); reads the container's peak memory and CPU time from its cgroup;
# prints the trailer line (marker, exit status, peak memory, CPU time) and streams /golem/output as tar. The exec's
# exit status is then tar's.
#
# In a session it also makes the session's state folder ($JGOLEM_SESSION), empties the output folder (the tmpfs
# outlives the run), reports the CPU time of this run only (the cgroup's counter is the container's), and leaves the
# processes of uid 1000 and the work and tmp folders as they are if the subtask asked for it by writing
# $JGOLEM_SESSION/keep (a server kept for the next subtask of the session: Blender with its scene loaded), stopped
# (SIGSTOP) until the next subtask's wrapper lets them go on; otherwise it kills them and empties those folders, so
# that the next subtask finds the container as a new one.
#
# The wrapper shares the subtask's uid, so it is no security boundary (the container is).
hex=$1
session=$2
shift 2

# the container's CPU time in ns into c (cgroup v1, else v2); unchanged if neither can be read
cpu() {
  read -r c 2>/dev/null </sys/fs/cgroup/cpuacct/cpuacct.usage || {
    while read -r k v; do if [ "$k" = usage_usec ]; then c=${v}000; fi; done
  } 2>/dev/null </sys/fs/cgroup/cpu.stat
}

if [ "$session" = 1 ]; then
  # what the previous subtask kept was stopped when it ended: it goes on now
  d="$JGOLEM_SESSION"; mkdir -p "$d"; rm -f "$d/keep"; kill -CONT -1 2>/dev/null
  rm -rf /golem/output/* /golem/output/.[!.]* /golem/output/..?* 2>/dev/null
  c=-1; cpu; c0=$c
fi
"$@"; s=$?
if [ "$session" = 1 ]; then
  # kept: every process of uid 1000 is stopped (SIGSTOP: no CPU while the session is idle; the keeper, uid 65534,
  # goes on, so the container still ends by itself if the node dies); not kept: the container is left as a fresh
  # one would be (no process, empty work and tmp folders)
  if [ -f "$d/keep" ]; then
    kill -STOP -1 2>/dev/null
  else
    kill -9 -1 2>/dev/null
    for f in /golem/work/* /golem/work/.[!.]* /golem/work/..?* /tmp/* /tmp/.[!.]* /tmp/..?*; do
      [ "$f" = "$d" ] || rm -rf "$f" 2>/dev/null
    done
    rm -rf "$d"/* 2>/dev/null
  fi
else
  kill -9 -1 2>/dev/null
fi
m=-1; c=-1
read -r m 2>/dev/null </sys/fs/cgroup/memory/memory.max_usage_in_bytes || read -r m 2>/dev/null </sys/fs/cgroup/memory.peak || m=-1
cpu
if [ "$session" = 1 ]; then
  case "$c0$c" in *[!0-9-]*|'') c=-1;; *) [ "$c0" -ge 0 ] && [ "$c" -ge "$c0" ] && c=$((c - c0)) || c=-1;; esac
fi
case "$m$c" in *[!0-9-]*|'') m=-1; c=-1;; esac
printf '\036%s %s %s %s\n' "$hex" "$s" "$m" "$c"
exec tar -C /golem/output -cf - .
