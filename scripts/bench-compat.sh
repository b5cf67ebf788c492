#!/usr/bin/env bash
# Issue 13's performance part (docs/benchmarks.md, "SockJS and Socket.IO beside the reference Node
# servers"): in one run of scripts/bench.sh (server pinned to core 0, load generator to core 1, a
# fresh server per scenario, the same Herald options), Herald with WebSocket, SockJS-over-WebSocket
# and Socket.IO-over-WebSocket subscribers, then the reference Node servers of bench/node (`sockjs`
# and `socket.io` from npm, one process each) with the same SockJS and Socket.IO subscribers. Prints
# bench.sh's table, then Herald's deliveries per server CPU-second over the reference server's for
# each protocol and scenario (issue 13 asks for at least 3x).
#
# Installs nothing: the reference servers need node and their packages, `(cd bench/node && npm ci)`;
# without them they are skipped with that message (Herald still runs).
#
# Environment: as scripts/bench.sh (BENCH_RUN, BENCH_QUICK, BENCH_WARMUP, BENCH_DURATION,
# BENCH_NO_BUILD, HERALD_ARGS...), with these defaults:
#   BENCH_SERVERS    [herald node-sockjs node-socketio]
#   BENCH_TRANSPORTS [ws sockjs-ws socketio-ws]  (each Node server runs its own protocol only)
#   BENCH_SCENARIOS  [1000x100], also with BENCH_QUICK=1 (5 s window, 2 s warm-up)
#   BENCH_IDLE, BENCH_WRK [0]
#   BENCH_PLOT_SERVERS [herald,node-sockjs,node-socketio]
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_SERVERS="${BENCH_SERVERS:-herald node-sockjs node-socketio}"
export BENCH_TRANSPORTS="${BENCH_TRANSPORTS:-ws sockjs-ws socketio-ws}"
export BENCH_SCENARIOS="${BENCH_SCENARIOS:-1000x100}"
export BENCH_IDLE="${BENCH_IDLE:-0}" BENCH_WRK="${BENCH_WRK:-0}"
export BENCH_PLOT_SERVERS="${BENCH_PLOT_SERVERS:-herald,node-sockjs,node-socketio}"
export BENCH_RUN="${BENCH_RUN:-compat-$(date -u +%Y%m%d-%H%M%S)}"
if ! command -v node >/dev/null; then
  echo "[bench-compat] node is missing (apt-get install -y nodejs npm): the reference servers are skipped" >&2
elif [ ! -d bench/node/node_modules ]; then
  echo "[bench-compat] bench/node has no node_modules (run: cd bench/node && npm ci): the reference servers are skipped" >&2
fi
scripts/bench.sh
echo
echo "Herald / reference, deliveries per server CPU-second ($(cut -d' ' -f1-3 /proc/loadavg) load average now):"
python3 - "bench/results/$BENCH_RUN.jsonl" "${HERALD_LABEL:-herald}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
herald = sys.argv[2]
by = {(r.get("label"), r.get("transport"), r.get("subscribers"), r.get("rate")): r
      for r in rows if r.get("mode") == "load"}
print("| scenario | transport | Herald deliveries / server CPU-s | reference | reference deliveries / server CPU-s | ratio | Herald ws |")
print("|---|---|--:|---|--:|--:|--:|")
for (label, transport, subs, rate), r in sorted(by.items(), key=lambda kv: (kv[0][2], kv[0][3], str(kv[0][1]))):
    if label != herald or transport not in ("sockjs-ws", "socketio-ws"):
        continue
    ref_label = "node-" + transport[:-3]
    ref = by.get((ref_label, transport, subs, rate))
    ws = by.get((herald, "ws", subs, rate))
    h = r.get("deliveries_per_server_cpu_s")
    x = ref and ref.get("deliveries_per_server_cpu_s")
    ratio = f"{h / x:.2f}x" if h and x else "n/a"
    cell = lambda v: "n/a" if v is None else f"{v:,.0f}"
    print(f"| {subs}x{rate:g} | {transport} | {cell(h)} | {ref_label} | {cell(x)} | {ratio} | {cell(ws and ws.get('deliveries_per_server_cpu_s'))} |")
PY
