#!/usr/bin/env bash
# Issue 12: SSE server CPU per delivery, one channel per request beside a request of three channels
# (docs/benchmarks.md, "issue 12: multi-channel SSE"). Herald on core 0 (one I/O thread), the load
# generator on core 1; a fresh server per run; variants alternate. Build first:
#   mvn -q -DskipTests -pl herald-server,herald-bench -am package
# Variables:
#   BENCH_ROUNDS     alternations [3]
#   BENCH_RATE       publications per second [50]
#   BENCH_SUBS       subscribers [1000]
#   BENCH_VARIANTS   among single, envelope, multi3 [envelope multi3]
#   BENCH_OUT        the JSON lines [bench/results/multi-issue12.jsonl]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${BENCH_OUT:-bench/results/multi-issue12.jsonl}"
: > "$out"
for round in $(seq "${BENCH_ROUNDS:-3}"); do
  for variant in ${BENCH_VARIANTS:-envelope multi3}; do
    case $variant in
      single) url='http://127.0.0.1:18480/sse/{channel}' ;;
      envelope) url='http://127.0.0.1:18480/sse/{channel}?format=envelope' ;;
      multi3) url='http://127.0.0.1:18480/sse?channel={channel}&channel=idle1&channel=idle2' ;;
      *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
    taskset -c 0 java -Xmx1g -jar herald-server/target/herald.jar --port 18480 --io-threads 1 > /tmp/bench-multi-server.log 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18480/herald.d.ts && break; sleep 0.2; done
    echo "round $round $variant, load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    taskset -c 1 java -jar herald-bench/target/herald-bench.jar --label "$variant" --url "$url" \
      --subscribers "${BENCH_SUBS:-1000}" --rate "${BENCH_RATE:-50}" --warmup 10s --duration 20s --server-pid "$pid" \
      2>/dev/null | grep '^{' >> "$out"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
python3 - "$out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    n = r['window_deliveries']
    cpu = r['server_user_cpu_s'] + r['server_sys_cpu_s']
    print(f"{r['label']:9} window {n:>8} (expected {r['subscribers'] * r['rate'] * r['duration_s']:.0f}) lost {r['lost']} dup {r['duplicated']}"
          f" server {1e6 * cpu / n:.2f} us/delivery (user {1e6 * r['server_user_cpu_s'] / n:.2f}), p50 {r['latency_p50_ms']} ms, p99 {r['latency_p99_ms']} ms")
PY
