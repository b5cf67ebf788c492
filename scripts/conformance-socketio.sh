#!/usr/bin/env bash
# Runs the upstream Engine.IO v4 and Socket.IO v5 protocol suites (socketio/engine.io-protocol,
# socketio/socket.io-protocol; Node + mocha) against a Herald started with --conformance
# (docs/compatibility.md). The suites are never part of this repository: they are read from where
# `fetch` put them (ENGINE_IO_PROTOCOL_GIT, SOCKET_IO_PROTOCOL_GIT: git directories, default
# /work/.mirror/socketio+...-protocol/repo), exported at their commit into a temporary directory,
# their http://localhost:3000 pointed at Herald's port there, and installed with `npm ci`.
# A suite that is absent is reported as such and skipped. Exit status: 0 when every present suite passed.
# Environment: HERALD_JAR (default herald-server/target/herald.jar, built with mvn package when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
engine_git="${ENGINE_IO_PROTOCOL_GIT:-/work/.mirror/socketio+engine.io-protocol/repo}"
socket_git="${SOCKET_IO_PROTOCOL_GIT:-/work/.mirror/socketio+socket.io-protocol/repo}"
jar="${HERALD_JAR:-herald-server/target/herald.jar}"
if [ ! -f "$jar" ]; then
  mvn -B -q -pl herald-server -am package -DskipTests
fi
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -jar "$jar" --conformance --port "$port" --admin-listen off > "$work/herald.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 150); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "Herald did not start (java -jar $jar --conformance --port $port):" >&2
  tail -20 "$work/herald.log" >&2
  exit 2
fi
status=0
run_suite() { # name git-dir
  local name=$1 git=$2
  if ! git --git-dir="$git" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    echo "== $name: ABSENT (no git directory at $git; bring it with fetch github:socketio/$name)"
    return
  fi
  local commit dir
  commit=$(git --git-dir="$git" rev-parse HEAD)
  dir="$work/$name"
  mkdir -p "$dir"
  git --git-dir="$git" archive HEAD test-suite | tar -x -C "$dir"
  sed -i "s#http://localhost:3000#http://127.0.0.1:$port#" "$dir/test-suite/test-suite.js"
  echo "== $name at $commit"
  (cd "$dir/test-suite" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  if (cd "$dir/test-suite" && npx mocha test-suite.js); then
    echo "== $name: PASSED"
  else
    echo "== $name: FAILED"
    status=1
  fi
}
run_suite engine.io-protocol "$engine_git"
run_suite socket.io-protocol "$socket_git"
exit $status
