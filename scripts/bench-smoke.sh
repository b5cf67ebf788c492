#!/usr/bin/env bash
# Starts Herald from its jar, runs the load generator against it for 10 seconds (200 SSE
# subscribers, 100 publications/s) with --check (fails on any loss, duplicate or reordering),
# and stops the server by PID. Used by .ci/run so the benchmark tool cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${HERALD_SMOKE_PORT:-18089}"
mvn -B -ntp -q -DskipTests -pl herald-server,herald-bench -am package
# The load generator connects from one address: Herald's per-address limits off (docs/configuration.md).
HERALD_LIMITS_PER_IP_CONNECTIONS=0 HERALD_LIMITS_PER_IP_CONNECT_RATE=0 \
  java -jar herald-server/target/herald.jar --port "$port" --admin-listen 127.0.0.1:0 > target-smoke-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f target-smoke-server.log' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/history/smoke?limit=0" >/dev/null 2>&1 && break
  sleep 0.1
done
java -jar herald-bench/target/herald-bench.jar --url "http://127.0.0.1:$port" --transport sse \
  --subscribers 200 --rate 100 --warmup 2s --duration 8s --server-pid "$server" --label herald-smoke --check
echo "bench smoke: passed"
