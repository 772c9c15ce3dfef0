# Shared helpers for jgolem's scripts. Source it: . "$(dirname "$0")/lib.sh"
# Each helper installs or starts what it needs, or says exactly what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JGOLEM_ROOT="$ROOT"

say() { printf '[jgolem] %s\n' "$*" >&2; }
die() { printf '[jgolem] error: %s\n' "$*" >&2; exit 1; }

java_major() { # prints the major version of the java binary $1
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

# Sets JAVA_HOME to a JDK >= 21: $JAVA_HOME if it is one, else the newest under /usr/lib/jvm.
ensure_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
    export PATH="$JAVA_HOME/bin:$PATH"; return
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/ /opt/java/*/ /opt/jdk*/; do
    [ -x "${d}bin/javac" ] || continue
    v=$(java_major "${d}bin/java" 2>/dev/null || echo 0)
    if [ "${v:-0}" -gt "$best_v" ]; then best="${d%/}"; best_v=$v; fi
  done
  if [ "$best_v" -lt 21 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "no JDK >= 21 found; trying Debian's openjdk-21 packages"
    (apt-get update -qq && apt-get install -y -qq openjdk-21-jdk-headless) >/dev/null 2>&1 || true
    [ -x /usr/lib/jvm/java-21-openjdk-amd64/bin/javac ] && { best=/usr/lib/jvm/java-21-openjdk-amd64; best_v=21; }
  fi
  [ "$best_v" -ge 21 ] || die "a JDK 21 or newer is needed (web3j's code generator is built for Java 21); found none under /usr/lib/jvm. Install one and set JAVA_HOME."
  export JAVA_HOME="$best" PATH="$best/bin:$PATH"
}

ensure_maven() {
  command -v mvn >/dev/null && return
  [ "$(id -u)" = 0 ] || die "Maven (mvn) is not installed; install it (Debian: apt-get install maven)"
  say "installing Maven from Debian's packages"
  apt-get update -qq && apt-get install -y -qq maven >/dev/null
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return
  [ "$(id -u)" = 0 ] || die "Node.js and npm are needed (solc-js, anvil); install them (Debian: apt-get install nodejs npm)"
  say "installing Node.js and npm from Debian's packages"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
}

# npm ci when node_modules is missing or older than the lock file. Offline afterwards.
ensure_npm_packages() {
  ensure_node
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ] \
     || [ ! -x "$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]; then
    say "installing pinned npm packages (solc, anvil)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

ANVIL="$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

mvn_() { (cd "$ROOT" && mvn -B -ntp "$@"); }

ensure_all() {
  ensure_jdk
  ensure_maven
  ensure_npm_packages
}

# Builds the jars (no tests) if sources are newer than the last build. The tools module comes last in the
# reactor, so its target/classpath.txt is the marker of a complete build.
ensure_built() {
  local marker="$ROOT/tools/target/classpath.txt"
  if [ ! -f "$marker" ] || [ ! -f "$ROOT/node/target/classpath.txt" ] || [ ! -f "$ROOT/concent/target/classpath.txt" ] \
      || [ -n "$(find "$ROOT/contracts/src" "$ROOT/contract-wrappers/src" "$ROOT/protocol/src" "$ROOT/ipfs-bridge/src" "$ROOT/compute/src" \
        "$ROOT/node/src" "$ROOT/concent/src" "$ROOT/tools/src" "$ROOT/testkit/src" -name '*.java' -newer "$marker" -print -quit)" ] \
      || [ -n "$(find "$ROOT" -maxdepth 2 -name pom.xml -newer "$marker" -print -quit)" ] \
      || [ -n "$(find "$ROOT/contracts/src" -newer "$marker" -print -quit)" ]; then
    say "building (mvn package -DskipTests)"
    mvn_ -q -DskipTests package >/dev/null || { mvn_ -DskipTests package | tail -40; die "build failed"; }
  fi
}

# Debian packages some tests use as cross-checks (installed when running as root; tests skip, saying why, without them)
ensure_test_tools() {
  if ! command -v ipfs_cid >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's ipfs-cid (a CID cross-check for the ipfs-bridge tests)"
    (apt-get install -y -qq ipfs-cid >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq ipfs-cid; }) >/dev/null 2>&1 \
      || say "ipfs-cid could not be installed; its cross-check test will be skipped"
  fi
}

# PostgreSQL for the tests (Concent's store; the registry service shares it): Debian's postgresql package,
# installed here when missing (as root, with apt-get). The tests start clusters of their own with it
# (org.jgolem.testkit.Postgres: initdb + pg_ctl into a temporary folder, a free loopback port, as the postgres
# user through runuser when run as root), so no system cluster is created or started. Without it the
# PostgreSQL tests fail, saying why: they are never skipped.
ensure_postgres() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${JGOLEM_PG_BIN:-}" ]; then
    return 0
  fi
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
    || die "PostgreSQL is needed by the tests and is not installed; install it (Debian: apt-get install postgresql) or set JGOLEM_PG_BIN to a folder holding initdb and pg_ctl"
  say "installing Debian's postgresql (a real server for the Concent store's tests)"
  # no 'main' cluster: the tests make their own
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/jgolem.conf
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null \
    || die "apt-get install postgresql failed"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "postgresql was installed but no initdb is under /usr/lib/postgresql/*/bin"
}

# java with the node's class path: the product (the daemon, the golem CLI, scripts/deploy's DeployMain)
node_java() {
  java --enable-native-access=ALL-UNNAMED -Djgolem.root="$ROOT" -cp "$ROOT/node/target/classes:$(cat "$ROOT/node/target/classpath.txt")" "$@"
}

# java with the tools module's class path: the benchmarks, the demo and the dev-chain helpers
# (JVM options may come first, then the main class and its arguments)
tools_java() {
  java --enable-native-access=ALL-UNNAMED -Djgolem.root="$ROOT" -cp "$ROOT/tools/target/classes:$(cat "$ROOT/tools/target/classpath.txt")" "$@"
}

# --- Docker engine (scripts/docker-engine, scripts/images, the Docker environment's tests) ---

# The engine's unix socket path from DOCKER_HOST (default /var/run/docker.sock); empty for tcp:// hosts.
docker_socket() {
  local host="${DOCKER_HOST:-unix:///var/run/docker.sock}"
  case "$host" in
    unix://*) printf '%s\n' "${host#unix://}" ;;
    *) printf '\n' ;;
  esac
}

# True when the docker CLI reaches an engine within 10 s.
docker_answers() {
  command -v docker >/dev/null && timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

# Makes sure a Docker engine answers: quick when one does; as root installs Debian's docker.io if
# needed and starts dockerd in the background; otherwise says what is missing and fails.
ensure_docker_engine() {
  local host="${DOCKER_HOST:-unix:///var/run/docker.sock}" sock log wait_s pid i
  if docker_answers; then
    say "Docker engine $(docker info --format '{{.ServerVersion}}' 2>/dev/null) answers at $host"
    return 0
  fi
  sock="$(docker_socket)"
  [ -n "$sock" ] || die "no Docker engine answers at DOCKER_HOST=$host; only a local unix:// engine can be started here: start that engine, or unset DOCKER_HOST to use /var/run/docker.sock"
  if [ "$(id -u)" != 0 ]; then
    command -v docker >/dev/null || die "the docker CLI is not installed and no engine answers at $host; as root run scripts/docker-engine (it installs Debian's docker.io), or install Docker yourself"
    die "no Docker engine answers at $host ($( [ -S "$sock" ] && echo "the socket exists but does not answer, or $(id -un) may not use it: add the user to group docker" || echo "no socket at $sock" )); start dockerd as root (scripts/docker-engine does it)"
  fi
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    command -v apt-get >/dev/null || die "dockerd is missing and this is not a Debian-like system (no apt-get): install Docker"
    say "dockerd or the docker CLI is missing: installing Debian's docker.io"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null || die "apt-get install docker.io failed"
  fi
  log="${JGOLEM_DOCKERD_LOG:-/var/log/jgolem-dockerd.log}"
  wait_s="${JGOLEM_DOCKERD_WAIT:-60}"
  if [ -S "$sock" ] && pid=$(pgrep -x dockerd | head -1) && [ -n "$pid" ]; then
    say "dockerd runs (pid $pid) and $sock exists, but it does not answer yet; waiting up to ${wait_s}s"
  else
    mkdir -p "$(dirname "$log")"
    say "starting dockerd -H $host ${JGOLEM_DOCKERD_ARGS:+$JGOLEM_DOCKERD_ARGS }in the background (log: $log)"
    # shellcheck disable=SC2086 # JGOLEM_DOCKERD_ARGS is a list of options
    setsid dockerd -H "$host" ${JGOLEM_DOCKERD_ARGS:-} </dev/null >>"$log" 2>&1 &
    pid=$!
  fi
  for ((i = 0; i < wait_s * 2; i++)); do
    if docker_answers; then
      say "Docker engine $(docker info --format '{{.ServerVersion}}' 2>/dev/null) answers at $host (dockerd pid $pid, log $log)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2 2>/dev/null || true; die "dockerd (pid $pid) exited; the end of its log $log is above"; }
    sleep 0.5
  done
  tail -n 20 "$log" >&2 2>/dev/null || true
  die "dockerd (pid $pid) did not answer at $host within ${wait_s}s; the end of its log $log is above"
}

# For scripts/test and scripts/bench: an engine that answers and the default images (base, runtime),
# and JGOLEM_REQUIRE_DOCKER=1 so that the Docker tests fail rather than skip if either goes missing.
ensure_docker_for_tests() {
  ensure_docker_engine
  # the Blender image (Debian's blender, ~650 MB the first time, ~70 s warm) is needed by the Blender tests
  "$ROOT/scripts/images" base runtime blender >/dev/null
  export JGOLEM_REQUIRE_DOCKER=1
}
