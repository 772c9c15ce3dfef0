# jgolem's Blender launcher, staged with every Blender subtask's resources and run by providers as
#   /bin/sh /golem/resources/jgolem_blender.sh BLENDER-ARGUMENTS...
# Outside a session ($JGOLEM_SESSION unset) it is Blender itself. In a session (a sandbox the provider keeps for the
# subtasks of one task, one at a time), the first subtask starts Blender as a render server (jgolem_render.py with
# $JGOLEM_SERVE) that keeps the scene loaded and synced; each subtask then hands it its job through a FIFO, waits
# for its status, shows what Blender printed meanwhile, and asks the sandbox to keep the server for the next one.
# A server that died is started again; one that dies during the job fails the subtask with its last words.
# With $JGOLEM_WARM set (a provider readying a sandbox while idle, before any task is known: no scene in the
# arguments), it starts the server, has it pay Blender's own start-up costs, and keeps it for the first subtask of
# a task; that subtask's job names its scene, which the server then loads. A server started from another copy of
# the render script than the subtask's is replaced by one of the subtask's copy.
[ -n "${JGOLEM_SESSION:-}" ] || exec /usr/bin/blender "$@"
d="$JGOLEM_SESSION"
mkdir -p "$d" || exit 70
alive() { [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
here="$(dirname "$0")"
pid="$(cat "$d/server.pid" 2>/dev/null)"
if alive "$pid" && ! cmp -s "$d/server.py" "$here/jgolem_render.py"; then
  kill -9 "$pid" 2>/dev/null
  pid=
fi
if ! alive "$pid"; then
  rm -f "$d/jobs" "$d/done" "$d/server.pid" "$d/server.log" "$d/server.py"
  mkfifo "$d/jobs" "$d/done" || exit 70
  : >"$d/server.log"
  cp "$here/jgolem_render.py" "$d/server.py" || exit 70
  JGOLEM_SERVE="$d" /usr/bin/blender "$@" >>"$d/server.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$d/server.pid"
fi
from=$(($(wc -c <"$d/server.log") + 1))
# both FIFOs opened read-write: neither open blocks, whatever the server is doing
exec 3<>"$d/done" 4<>"$d/jobs"
# if the server dies, say so on "done" (checked every second: cheap)
( while alive "$pid"; do sleep 1; done; echo died >"$d/done" ) >/dev/null 2>&1 &
watch=$!
if [ -n "${JGOLEM_WARM:-}" ]; then echo warm >&4; else echo job >&4; fi
read -r status <&3
kill "$watch" 2>/dev/null
tail -c +"$from" "$d/server.log"
case "$status" in
  0) echo "$pid" >"$d/keep"; exit 0 ;;
  died) echo "jgolem: the Blender render server (pid $pid) died; its last output is above" >&2; exit 71 ;;
  *) echo "jgolem: the render failed (status $status); Blender's output is above" >&2; echo "$pid" >"$d/keep"; exit 1 ;;
esac
