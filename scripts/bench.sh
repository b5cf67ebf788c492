#!/usr/bin/env bash
# Herald beside Nchan and Pushpin, in one run, on this machine (docs/benchmarks.md).
#
# Each server is started pinned to core 0 (taskset -c 0), fresh for every scenario, and stopped by
# its PID; the load generator runs pinned to core 1. Every result is one JSON line appended to
# bench/results/$BENCH_RUN.jsonl; a markdown table of the run is printed at the end
# (java -jar herald-bench/target/herald-bench.jar table FILE: per run the server's user and system CPU
# per delivery, the load generator's, the total, deliveries per total CPU-second and the server's
# system calls per delivery; then every server's ratios to BENCH_BASELINE per scenario and transport
# on server CPU and on total CPU, docs/benchmarks.md "the whole cost per delivery") and the plot drawn
# (java -jar herald-bench/target/herald-bench.jar plot FILE -o bench/results/$BENCH_RUN.png).
#
# Needs JDK 17, Maven, and the peers from Debian:
#   apt-get install -y nginx-light libnginx-mod-nchan pushpin wrk
# A peer that is not installed is skipped with a message. The reference Node servers node-sockjs and
# node-socketio (bench/node; scripts/bench-compat.sh runs them) need node and `npm ci` in bench/node.
#
# Environment (defaults in brackets):
#   BENCH_RUN        results file name under bench/results [date-time]
#   BENCH_SERVERS    which servers [herald nchan pushpin]; also node-sockjs, node-socketio
#   BENCH_TRANSPORTS which subscriber transports [sse ws]  (Pushpin: SSE only); also sockjs-ws,
#                    socketio-ws (Herald; node-sockjs: sockjs-ws only; node-socketio: socketio-ws only)
#   BENCH_SCENARIOS  SUBSCRIBERSxRATE load scenarios [1000x100 1000x1000 10000x10 10000x100]
#   BENCH_WARMUP     publishing before the measured window [15s]. Herald's JIT compiler shares core 0
#                    with its event loop: after 5 s at 10 publications/s it was still compiling
#                    (8-12% of the server's CPU samples in the window, 197 C2 compilations and 26
#                    deoptimizations; docs/benchmarks.md), so 15 s. Nginx has nothing to warm.
#   BENCH_DURATION   the measured window [20s]
#   BENCH_IDLE       1 to run idle capacity, 0 not [1]; BENCH_IDLE_MAX connections [19000]
#   BENCH_WRK        1 to run wrk's POST /pub throughput, 0 not [1]; BENCH_WRK_DURATION [10s];
#                    BENCH_WRK_WARMUP [10s] (a fresh Herald took 10-14k requests/s in its first 5 s
#                    of wrk and 68-85k/s after, the JIT still compiling on the server's one core)
#   BENCH_QUICK      1 for a quick run: 5 s windows, 2 s warm-up, scenarios 1000x100 1000x1000,
#                    idle to 5,000, wrk 5 s (each can still be set explicitly)
#   BENCH_NO_BUILD   1 to use the jars as they are
#   HERALD_JAVA_OPTS [-Xms512m -Xmx512m -XX:+AlwaysPreTouch]
#   HERALD_ARGS      extra Herald options, e.g. "--coalesce 0" []
#   HERALD_JAR       the Herald jar [herald-server/target/herald.jar], e.g. an older build to compare
#   BENCH_BATCH      connections the load generator opens at once [200; Pushpin at most 50, see
#                    batch_of]
#   HERALD_VARIANTS  more Herald builds or options to run beside the others, as server names in
#                    BENCH_SERVERS: "LABEL JAR [OPTIONS...]" entries separated by ';', e.g.
#                    "herald-old /tmp/old.jar; herald-nocoalesce herald-server/target/herald.jar --coalesce 0"
#                    (load scenarios only; idle and wrk run for herald, nchan and pushpin)
#   BENCH_LOADGEN_ARGS_<NAME> extra load-generator options for server NAME (its '-' as '_'), e.g.
#                    "--bearer JWT --api-key KEY" for a variant with access control on
#   HERALD_LABEL     Herald's name in the results [herald]
#   HERALD_PORT      Herald's port in the load scenarios [18080]
#   BENCH_PLOT       where the plot goes [bench/results/$BENCH_RUN.png]
#   BENCH_PLOT_SERVERS which servers the plot shows [herald,nchan,pushpin]
#   BENCH_BASELINE   the server the table's ratios divide by [nchan]
#   BENCH_SYSCALLS   count the server's system calls in each window with perf stat: auto|on|off (1 = on, 0 = off) [auto]
#   BENCH_WRITE_DELAYS the write-delay curve (docs/benchmarks.md): each duration D, e.g. "0 2ms 5ms 10ms
#                    20ms", adds a Herald variant herald-wdN (N: D in ms) run with --write-delay D, to
#                    the servers and to HERALD_VARIANTS []
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

quick="${BENCH_QUICK:-0}"
run="${BENCH_RUN:-$(date -u +%Y%m%d-%H%M%S)}"
servers="${BENCH_SERVERS:-herald nchan pushpin}"
transports="${BENCH_TRANSPORTS:-sse ws}"
if [ "$quick" = 1 ]; then
  scenarios="${BENCH_SCENARIOS:-1000x100 1000x1000}"
  warmup="${BENCH_WARMUP:-2s}"; duration="${BENCH_DURATION:-5s}"
  idle_max="${BENCH_IDLE_MAX:-5000}"; wrk_duration="${BENCH_WRK_DURATION:-5s}"; wrk_warmup="${BENCH_WRK_WARMUP:-3s}"
else
  scenarios="${BENCH_SCENARIOS:-1000x100 1000x1000 10000x10 10000x100}"
  warmup="${BENCH_WARMUP:-15s}"; duration="${BENCH_DURATION:-20s}"
  idle_max="${BENCH_IDLE_MAX:-19000}"; wrk_duration="${BENCH_WRK_DURATION:-10s}"; wrk_warmup="${BENCH_WRK_WARMUP:-10s}"
fi
do_idle="${BENCH_IDLE:-1}"
do_wrk="${BENCH_WRK:-1}"
java_opts="${HERALD_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}"
herald_args="${HERALD_ARGS:-}"
# Herald's access log off, as Nchan's is (bench/nchan/nginx.conf: access_log off), so that both log
# nothing per request; builds from before the configuration file ignore the variable.
export HERALD_LOGGING_ACCESS_LOG="${HERALD_LOGGING_ACCESS_LOG:-false}"
# The admin listener (/metrics, health) on a free port, so that no fixed port (9090) can collide.
export HERALD_ADMIN_LISTEN="${HERALD_ADMIN_LISTEN:-127.0.0.1:0}"
# Thousands of connections from a few loopback addresses: Herald's per-address limits off, as Nchan has none.
export HERALD_LIMITS_PER_IP_CONNECTIONS="${HERALD_LIMITS_PER_IP_CONNECTIONS:-0}"
export HERALD_LIMITS_PER_IP_CONNECT_RATE="${HERALD_LIMITS_PER_IP_CONNECT_RATE:-0}"
herald_label="${HERALD_LABEL:-herald}"
# Herald's port in the load scenarios (idle and wrk use 18080)
herald_port="${HERALD_PORT:-18080}"

results="$root/bench/results/$run.jsonl"
logs="$root/bench/results/$run.logs"
work=/tmp/herald-bench
mkdir -p "$root/bench/results" "$logs" "$work"
bench_jar="$root/herald-bench/target/herald-bench.jar"
herald_jar="${HERALD_JAR:-$root/herald-server/target/herald.jar}"
for d in ${BENCH_WRITE_DELAYS:-}; do # the write-delay curve: one Herald variant per budget
  servers="$servers herald-wd${d%ms}"
  HERALD_VARIANTS="${HERALD_VARIANTS:+$HERALD_VARIANTS;}herald-wd${d%ms} $herald_jar --write-delay $d"
done
batch="${BENCH_BATCH:-200}"
# Connections opened at once for a server. Pushpin's proxy hands each new request to zurl through a
# ZeroMQ socket whose high-water mark is fixed at 100 in its source; when a burst of connections
# outruns zurl on the shared core it answers the rest 502 ("target error ... condition=8", i.e.
# unavailable) at once. 50 at a time connects every subscriber (the ramp is not measured).
batch_of() { if [ "$1" = pushpin ] && [ "$batch" -gt 50 ]; then echo 50; else echo "$batch"; fi; }
hz=$(getconf CLK_TCK)
log() { echo "[bench $(date +%T)] $*" >&2; }

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building the jars"
  mvn -B -ntp -q -DskipTests -pl herald-server,herald-bench -am package
fi

# ---- servers: start (pinned to core 0), wait until they answer, stop by PID -----------------

server_pid=""
origin_pid=""
port_of() { case "$1" in nchan) echo 18081 ;; pushpin) echo 18082 ;; node-sockjs) echo 18085 ;; node-socketio) echo 18086 ;; *) echo "$herald_port" ;; esac; }

# Whether server $1 speaks subscriber transport $2.
serves() {
  case "$1" in
    pushpin) [ "$2" = sse ] ;;
    nchan) [ "$2" = sse ] || [ "$2" = ws ] ;;
    node-sockjs) [ "$2" = sockjs-ws ] ;;
    node-socketio) [ "$2" = socketio-ws ] ;;
    *) return 0 ;;
  esac
}

# "JAR OPTIONS..." of a Herald variant named $1, or nothing
variant() {
  local entry
  IFS=';' read -ra entries <<<"${HERALD_VARIANTS:-}"
  for entry in "${entries[@]}"; do
    read -r label rest <<<"$entry"
    [ "$label" = "$1" ] && { echo "$rest"; return 0; }
  done
  return 1
}

wait_port() { # port: until something answers HTTP on 127.0.0.1:port (10 s at most)
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then return 0; fi
    sleep 0.1
  done
  log "nothing answers on port $1"; return 1
}

installed() {
  case "$1" in
    herald) return 0 ;;
    herald-*) variant "$1" >/dev/null ;;
    nchan) command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] ;;
    pushpin) command -v pushpin >/dev/null && command -v condure >/dev/null && command -v zurl >/dev/null ;;
    node-sockjs) command -v node >/dev/null && [ -d "$root/bench/node/node_modules/sockjs" ] ;;
    node-socketio) command -v node >/dev/null && [ -d "$root/bench/node/node_modules/socket.io" ] ;;
  esac
}

# What to install for server $1, said when it is skipped.
missing() {
  case "$1" in
    node-*) echo "needs node (apt-get install -y nodejs npm) and its packages: (cd bench/node && npm ci)" ;;
    *) echo "is not installed" ;;
  esac
}

start_server() { # name tag
  local name="$1" tag="$2"
  case "$name" in
    herald)
      # shellcheck disable=SC2086
      taskset -c 0 java $java_opts -jar "$herald_jar" --port "$herald_port" --io-threads 1 $herald_args \
        > "$logs/$tag.server.log" 2>&1 &
      server_pid=$! ;;
    herald-*)
      local jar args
      read -r jar args <<<"$(variant "$name")"
      # shellcheck disable=SC2086
      taskset -c 0 java $java_opts -jar "$jar" --port "$herald_port" --io-threads 1 $args > "$logs/$tag.server.log" 2>&1 &
      server_pid=$! ;;
    nchan)
      rm -rf "$work/nchan"; mkdir -p "$work/nchan/logs" "$work/nchan/tmp"
      taskset -c 0 nginx -p "$work/nchan/" -c "$root/bench/nchan/nginx.conf" -g 'daemon off;' \
        > "$logs/$tag.server.log" 2>&1 &
      server_pid=$! ;;
    pushpin)
      rm -rf "$work/pushpin"; mkdir -p "$work/pushpin/run" "$work/pushpin/log"
      python3 "$root/bench/pushpin/grip_origin.py" 18084 > "$logs/$tag.origin.log" 2>&1 &
      origin_pid=$!
      (cd "$root/bench/pushpin" && exec taskset -c 0 pushpin --config "$root/bench/pushpin/pushpin.conf") \
        > "$logs/$tag.server.log" 2>&1 &
      server_pid=$!; pushpin_tag="$tag" ;;
    node-sockjs | node-socketio)
      taskset -c 0 node "$root/bench/node/${name#node-}-server.js" "$(port_of "$name")" > "$logs/$tag.server.log" 2>&1 &
      server_pid=$! ;;
  esac
  wait_port "$(port_of "$name")"
  [ "$name" != pushpin ] || wait_port 18083 || true
  sleep 1
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  if [ -n "${pushpin_tag:-}" ]; then
    # Pushpin's own logs (warnings only at log_level 1), kept beside the run's other logs
    for f in "$work/pushpin/log/"*.log; do
      if [ -f "$f" ]; then cp "$f" "$logs/$pushpin_tag.$(basename "$f")"; fi
    done
    pushpin_tag=""
  fi
  if [ -n "$origin_pid" ]; then
    kill "$origin_pid" 2>/dev/null || true
    wait "$origin_pid" 2>/dev/null || true
    origin_pid=""
  fi
}
trap 'stop_server' EXIT INT TERM

urls() { # name transport -> "SUBSCRIBE_URL PUBLISH_URL FORMAT"
  case "$1" in
    herald* | node-*)
      local port; port=$(port_of "$1")
      case "$2" in
        ws | sse) echo "http://127.0.0.1:$port/$2/{channel} http://127.0.0.1:$port/pub/{channel} raw" ;;
        *) echo "http://127.0.0.1:$port http://127.0.0.1:$port/pub/{channel} raw" ;; # the transport's default path
      esac ;;
    nchan) echo "http://127.0.0.1:18081/sub/{channel} http://127.0.0.1:18081/pub?id={channel} raw" ;;
    pushpin) echo "http://127.0.0.1:18082/sse/{channel} http://127.0.0.1:18083/publish/ grip" ;;
  esac
}

label_of() { [ "$1" = herald ] && echo "$herald_label" || echo "$1"; }

# Extra load-generator options for one server name, from BENCH_LOADGEN_ARGS_<name with - as _>: e.g.
# the bearer token and API key of a variant with access control on (scripts/bench-auth.sh).
loadgen_args() { local v="BENCH_LOADGEN_ARGS_${1//-/_}"; echo "${!v:-}"; }

# Busy CPU ticks of the whole machine (all cores), from /proc/stat.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# Appends the load generator's JSON line from $1 to the results, with what else used the machine
# while it ran: machine busy CPU, the server's and the load generator's, and the rest ("others").
# $2 machine ticks before, $3 server ticks before, $4 file with bash's "user sys" of the load generator, $5 wall seconds
append_result() {
  local m1 s1
  m1=$(machine_ticks); s1=$(tree_ticks "$server_pid")
  python3 - "$1" "$2" "$m1" "$3" "$s1" "$4" "$5" "$hz" >> "$results" <<'PY'
import json, sys
path, m0, m1, s0, s1, tfile, wall, hz = sys.argv[1:]
lines = [l for l in open(path).read().splitlines() if l.startswith("{")]
if not lines:
    sys.exit(0)
d = json.loads(lines[-1])
hz = float(hz)
try:
    u, s = open(tfile).read().split()[-2:]
    loadgen = float(u) + float(s)
except Exception:
    loadgen = None
machine = (int(m1) - int(m0)) / hz
server = (int(s1) - int(s0)) / hz
d["scenario_wall_s"] = round(float(wall), 1)
d["machine_busy_cpu_s"] = round(machine, 1)
d["scenario_server_cpu_s"] = round(server, 1)
d["scenario_loadgen_cpu_s"] = None if loadgen is None else round(loadgen, 1)
d["others_cpu_s"] = None if loadgen is None else round(machine - server - loadgen, 1)
print(json.dumps(d, separators=(",", ":")))
PY
}

# CPU ticks (user+system) of a process and its descendants.
tree_ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" 2>/dev/null) $(for c in $(pgrep -P "$1" 2>/dev/null); do pgrep -P "$c"; done); do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
  done
  echo "$total"
}

# ---- what else runs on the machine --------------------------------------------------------

{
  echo "run $run on $(hostname) at $(date -u +%FT%TZ); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (with local changes)'); herald: $java_opts --io-threads 1 $herald_args"
  echo "other processes using CPU at the start:"
  ps -eo pid,pcpu,etime,args --sort=-pcpu | head -8 | cut -c1-160
} > "$logs/machine.txt"
log "results: $results (logs in $logs)"

# ---- load scenarios -------------------------------------------------------------------------

for name in $servers; do
  installed "$name" || log "$name $(missing "$name"): skipped"
done
# Scenario by scenario, every server in turn, so that the servers of one scenario run close in time
# (the machine's other load changes over a run).
for scenario in $scenarios; do
  subs="${scenario%x*}"; rate="${scenario#*x}"
  for transport in $transports; do
    for name in $servers; do
      installed "$name" || continue
      serves "$name" "$transport" || continue
      read -r sub_url pub_url format <<<"$(urls "$name" "$transport")"
      tag="$(label_of "$name")-$transport-$subs-$rate"
      log "$tag: $subs $transport subscribers, $rate publications/s, ${warmup} warm-up, ${duration} measured"
      start_server "$name" "$tag"
      : > "$logs/$tag.bench.log"
      m0=$(machine_ticks); s0=$(tree_ticks "$server_pid"); t0=$(date +%s.%N)
      TIMEFORMAT='%U %S'
      { time taskset -c 1 java -jar "$bench_jar" --label "$(label_of "$name")" --transport "$transport" \
          --url "$sub_url" --publish-url "$pub_url" --publish-format "$format" \
          --subscribers "$subs" --rate "$rate" --payload-bytes 64 --warmup "$warmup" --duration "$duration" \
          --source-ips 8 --batch "$(batch_of "$name")" --server-pid "$server_pid" --syscalls "${BENCH_SYSCALLS:-auto}" \
          $(loadgen_args "$name") > "$work/load.json" 2> "$logs/$tag.bench.log" \
          || log "$tag: the load generator failed (see $logs/$tag.bench.log)"; } 2> "$work/load.time"
      append_result "$work/load.json" "$m0" "$s0" "$work/load.time" "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print a - b}')"
      stop_server
    done
  done
done

# ---- idle capacity --------------------------------------------------------------------------

if [ "$do_idle" = 1 ]; then
  for name in $servers; do
    case "$name" in herald | nchan | pushpin) ;; *) continue ;; esac
    installed "$name" || continue
    for transport in $transports; do
      [ "$name" = pushpin ] && [ "$transport" != sse ] && continue
      read -r sub_url pub_url format <<<"$(urls "$name" "$transport")"
      tag="$(label_of "$name")-$transport-idle"
      log "$tag: idle connections up to $idle_max"
      start_server "$name" "$tag"
      heap_before=""
      if [ "$name" = herald ] && command -v jcmd >/dev/null; then
        # live heap after a full GC (the histogram forces one), to go with the RSS slope
        heap_before=$(jcmd "$server_pid" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}')
      fi
      taskset -c 1 java -jar "$bench_jar" --mode idle --label "$(label_of "$name")" --transport "$transport" \
        --url "$sub_url" --subscribers "$idle_max" --idle-step 1000 --batch "$(batch_of "$name")" --source-ips 8 \
        --hold "$([ -n "$heap_before" ] && echo 20s || echo 0s)" --server-pid "$server_pid" \
        > "$work/idle.json" 2> "$logs/$tag.bench.log" &
      bench=$!
      if [ -n "$heap_before" ]; then
        for _ in $(seq 1 1200); do
          grep -q "holding" "$logs/$tag.bench.log" 2>/dev/null && break
          kill -0 "$bench" 2>/dev/null || break
          sleep 0.5
        done
        held=$(grep -o 'holding [0-9]* connections' "$logs/$tag.bench.log" | awk '{print $2}' || true)
        heap_after=$(jcmd "$server_pid" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}')
      fi
      wait "$bench" || log "$tag: the load generator failed (see $logs/$tag.bench.log)"
      if [ -n "$heap_before" ] && [ -n "${held:-}" ] && [ -n "${heap_after:-}" ]; then
        # one more JSON field: live heap bytes per held connection
        python3 - "$work/idle.json" "$heap_before" "$heap_after" "$held" >> "$results" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
before, after, held = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d["heap_live_before_bytes"], d["heap_live_after_bytes"], d["heap_live_connections"] = before, after, held
d["heap_live_bytes_per_connection"] = round((after - before) / held, 1) if held else None
print(json.dumps(d, separators=(",", ":")))
PY
      else
        tail -n 1 "$work/idle.json" >> "$results"
      fi
      stop_server
    done
  done
fi

# ---- wrk: POST /pub throughput with one subscriber ------------------------------------------

if [ "$do_wrk" = 1 ] && command -v wrk >/dev/null; then
  for name in $servers; do
    case "$name" in herald | nchan) ;; *) continue ;; esac
    installed "$name" || continue
    [ "$name" = pushpin ] && continue  # its control port closes every connection: not a keep-alive test
    case "$name" in
      herald) pub="http://127.0.0.1:18080/pub/wrk"; sub="http://127.0.0.1:18080/sse/wrk" ;;
      nchan) pub="http://127.0.0.1:18081/pub?id=wrk"; sub="http://127.0.0.1:18081/sub/wrk" ;;
    esac
    tag="$(label_of "$name")-wrk"
    log "$tag: wrk POST $pub for $wrk_duration, 32 connections, one SSE subscriber"
    start_server "$name" "$tag"
    taskset -c 1 curl -sN -H 'Accept: text/event-stream' "$sub" > "$work/wrk-sub.out" 2>/dev/null &
    sub_pid=$!
    sleep 1
    # warm-up, then the measured run
    taskset -c 1 wrk -t1 -c32 -d"$wrk_warmup" -s "$root/bench/wrk/post.lua" "$pub" > /dev/null 2>&1 || true
    events_before=$(grep -c '^data:' "$work/wrk-sub.out" || true)
    before=$(tree_ticks "$server_pid")
    out=$(taskset -c 1 wrk -t1 -c32 -d"$wrk_duration" -s "$root/bench/wrk/post.lua" "$pub" 2> "$logs/$tag.wrk.err" | tail -n 1)
    after=$(tree_ticks "$server_pid")
    sleep 1
    events=$(( $(grep -c '^data:' "$work/wrk-sub.out" || true) - events_before ))
    kill "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true
    python3 - "$out" "$(label_of "$name")" "$((after - before))" "$(getconf CLK_TCK)" "$events" >> "$results" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
ticks, hz = int(sys.argv[3]), int(sys.argv[4])
cpu = ticks / hz
out = {"mode": "wrk", "label": sys.argv[2], "connections": 32, "threads": 1, "payload_bytes": 64}
out.update(d)
out["server_cpu_s"] = round(cpu, 2)
out["requests_per_server_cpu_s"] = round(d["requests"] / cpu) if cpu > 0 else None
out["subscriber_events"] = int(sys.argv[5])
print(json.dumps(out, separators=(",", ":")))
PY
    stop_server
  done
fi

trap - EXIT INT TERM
log "done: $results"
java -jar "$bench_jar" table --baseline "${BENCH_BASELINE:-nchan}" "$results"
java -jar "$bench_jar" plot "$results" --only "${BENCH_PLOT_SERVERS:-herald,nchan,pushpin}" -o "${BENCH_PLOT:-$root/bench/results/$run.png}" >&2 \
  || log "plot failed"
