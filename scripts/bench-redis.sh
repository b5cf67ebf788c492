#!/usr/bin/env bash
# The Redis broker on this 2-core machine (issue 11, docs/benchmarks.md "issue 11, the Redis broker").
#
# Starts its own redis-server on a free loopback port (--save "" --appendonly no, no persistence),
# pinned with the load generator to core $BENCH_REDIS_CORE [0]; every Herald node runs on core
# $BENCH_NODE_CORE [1] with -XX:ActiveProcessorCount=1 --io-threads 1. Everything is started fresh
# for every measurement and stopped by its PID.
#
# 1. Load scenarios (BENCH_SCENARIOS, SUBSCRIBERSxRATE), each in turn for the variants of
#    BENCH_VARIANTS [memory redis2]:
#      memory  one node on the memory broker: the load generator publishes to it and subscribes on it;
#      redis2  two nodes A and B on the one Redis: the load generator publishes to A and spreads its
#              subscribers round-robin over A and B (herald-bench --also-url);
#      redis1  one node on Redis (publish and subscribe on it).
#    Over its measured window the load generator reads each node's, Redis's and its own CPU from /proc
#    (--server-pid, --watch-pid); around the whole run the script reads Redis's INFO commandstats
#    (cmdstat_evalsha calls and usec_per_call) and polls CLIENT LIST TYPE pubsub every 0.5 s for the
#    peak omem (output buffer bytes) of a pub/sub client.
# 2. wrk (BENCH_WRK=1): POST /pub through one node (history on: the default 1,000 entries / 10 min)
#    with one SSE subscriber, 32 connections, wrk on the Redis core; for the memory broker and Redis.
#    Redis's CPU share = Redis CPU-s / wall s of wrk's measured run.
# 3. redis-benchmark (BENCH_REDIS_BENCHMARK=1): the same publish script (its text read from
#    herald-redis's Script class, SCRIPT LOAD, then EVALSHA with the arguments Herald passes), one
#    redis-cli SUBSCRIBEd to the script's pub/sub channel as Herald's node would be; 32 connections,
#    without and with pipelining (-P 16), on the node core (where Herald ran).
#
# Results: one JSON line per measurement in bench/results/$BENCH_RUN.jsonl, logs beside it, and a
# markdown table at the end. Compare ratios within one run: the machine is shared.
#
# Environment [defaults]:
#   BENCH_RUN            results name [redis-DATE-TIME]; BENCH_RESULTS_DIR where they go [bench/results]
#   BENCH_SCENARIOS      [1000x100 10000x10]
#   BENCH_VARIANTS       [memory redis2]; empty for no load scenarios (wrk and redis-benchmark only)
#   BENCH_TRANSPORT      subscriber transport [sse]
#   BENCH_REPEAT         how many times the scenario x variant loop runs (alternating) [1]
#   BENCH_WARMUP         [15s]; BENCH_DURATION [20s]
#   BENCH_WRK            [1]; BENCH_WRK_WARMUP [10s]; BENCH_WRK_DURATION [10s]; BENCH_WRK_CONNECTIONS [32];
#                        BENCH_WRK_BROKERS [memory redis]
#   BENCH_REDIS_BENCHMARK [1]; BENCH_REDIS_BENCHMARK_N requests per run [300000]
#   BENCH_QUICK          1: 1000x100 only, 2 s warm-up, 5 s window, wrk 3 s + 5 s, redis-benchmark 50,000
#                        (each can still be set explicitly); a smoke test of the script
#   BENCH_HERD           1: also the reconnect herd (off by default): BENCH_HERD_SUBSCRIBERS [10000] SSE
#                        subscribers on one node on Redis, BENCH_HERD_RATE [10] publications/s; after 10 s of the window Redis is
#                        stopped for BENCH_HERD_DOWN [2] s and started again empty on the same port.
#                        The subscribers run with herald-bench --resume (each reconnects with its last
#                        id after its 4001, as EventSource does) and the node with
#                        delivery.reset-spread BENCH_HERD_SPREAD [5s] (the 4001s spread over it).
#                        Reports when a publish is accepted again and when the node is resubscribed
#                        (PUBSUB NUMSUB), the recovery: per subscriber, from Redis back up to its reset
#                        (resubscribed on the new epoch) and to its first publication of the new epoch
#                        (p50/p99/max), history scripts and SUBSCRIBEs Redis saw after the restart,
#                        publications refused, deliveries lost and skipped by the reset
#   BENCH_CHECK          1: fail (exit 3) unless every load run was clean (0 lost, dup, reordered)
#   BENCH_NO_BUILD       1 to use the jars as they are
#   HERALD_JAR           the jar under test, nodes and publish script [herald-server/target/herald.jar]
#                        (an older build for a before/after); HERALD_JAVA_OPTS [-Xms512m -Xmx512m -XX:+AlwaysPreTouch]
#   BENCH_BUILD          the build's name in the results ["JAR-FILE-NAME COMMIT"]
#   BENCH_REDIS_CORE     [0]; BENCH_NODE_CORE [1]
# Needs: JDK 17, Maven, redis-server/redis-cli/redis-benchmark (apt-get install -y redis-server), wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

quick="${BENCH_QUICK:-0}"
run="${BENCH_RUN:-redis-$(date -u +%Y%m%d-%H%M%S)}"
if [ "$quick" = 1 ]; then
  scenarios="${BENCH_SCENARIOS:-1000x100}"
  warmup="${BENCH_WARMUP:-2s}"; duration="${BENCH_DURATION:-5s}"
  wrk_warmup="${BENCH_WRK_WARMUP:-3s}"; wrk_duration="${BENCH_WRK_DURATION:-5s}"
  rb_n="${BENCH_REDIS_BENCHMARK_N:-50000}"
else
  scenarios="${BENCH_SCENARIOS:-1000x100 10000x10}"
  warmup="${BENCH_WARMUP:-15s}"; duration="${BENCH_DURATION:-20s}"
  wrk_warmup="${BENCH_WRK_WARMUP:-10s}"; wrk_duration="${BENCH_WRK_DURATION:-10s}"
  rb_n="${BENCH_REDIS_BENCHMARK_N:-300000}"
fi
variants="${BENCH_VARIANTS-memory redis2}"   # set empty to skip the load scenarios
transport="${BENCH_TRANSPORT:-sse}"
repeat="${BENCH_REPEAT:-1}"
wrk_conns="${BENCH_WRK_CONNECTIONS:-32}"
wrk_brokers="${BENCH_WRK_BROKERS:-memory redis}"
rcore="${BENCH_REDIS_CORE:-0}"
ncore="${BENCH_NODE_CORE:-1}"
java_opts="${HERALD_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}"
herald_jar="${HERALD_JAR:-$root/herald-server/target/herald.jar}"
# what each result line names as the build under test
export BENCH_BUILD="${BENCH_BUILD:-$(basename "$herald_jar") $(git rev-parse --short HEAD 2>/dev/null)}"
bench_jar="$root/herald-bench/target/herald-bench.jar"
results_dir="${BENCH_RESULTS_DIR:-$root/bench/results}"
results="$results_dir/$run.jsonl"
logs="$results_dir/$run.logs"
work="$(mktemp -d /tmp/herald-bench-redis.XXXXXX)"
mkdir -p "$results_dir" "$logs"
hz=$(getconf CLK_TCK)
# As scripts/bench.sh: no access log, admin listener on a free port, per-address limits off.
export HERALD_LOGGING_ACCESS_LOG="${HERALD_LOGGING_ACCESS_LOG:-false}"
export HERALD_ADMIN_LISTEN="${HERALD_ADMIN_LISTEN:-127.0.0.1:0}"
export HERALD_LIMITS_PER_IP_CONNECTIONS="${HERALD_LIMITS_PER_IP_CONNECTIONS:-0}"
export HERALD_LIMITS_PER_IP_CONNECT_RATE="${HERALD_LIMITS_PER_IP_CONNECT_RATE:-0}"

log() { echo "[bench-redis $(date +%T)] $*" >&2; }

for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install -y redis-server"; exit 2; }
done
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building the jars"
  mvn -B -ntp -q -DskipTests -pl herald-server,herald-bench -am package
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- processes: started here, stopped by PID -------------------------------------------------

pids=()
stop_pid() { # pid
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${pids[@]}"; do stop_pid "$p"; done
  pids=()
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

rport=""; redis_pid=""
start_redis() { # [port]
  rport=${1:-$(free_port)}
  mkdir -p "$work/redis"
  taskset -c "$rcore" redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work/redis" \
    --daemonize no --loglevel warning > "$logs/redis.log" 2>&1 &
  redis_pid=$!; pids+=("$redis_pid")
  for _ in $(seq 1 100); do rcli PING >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "redis-server did not start (see $logs/redis.log)"; exit 1
}
rcli() { redis-cli -h 127.0.0.1 -p "$rport" "$@"; }

node_pid=""; node_port=""
start_node() { # tag broker(memory|redis)
  node_port=$(free_port)
  local args=()
  [ "$2" = redis ] && args=(--broker redis --redis-address "redis://127.0.0.1:$rport")
  # shellcheck disable=SC2086
  taskset -c "$ncore" java -XX:ActiveProcessorCount=1 $java_opts -jar "$herald_jar" --port "$node_port" \
    --io-threads 1 "${args[@]}" > "$logs/$1.log" 2>&1 &
  node_pid=$!; pids+=("$node_pid")
  for _ in $(seq 1 150); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$node_port/" && return 0
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.1
  done
  log "node $1 did not start (see $logs/$1.log)"; exit 1
}
stop_all_nodes() { # every started process but Redis
  local p keep=()
  for p in "${pids[@]}"; do
    if [ "$p" = "$redis_pid" ]; then keep+=("$p"); else stop_pid "$p"; fi
  done
  pids=("${keep[@]}")
}

# CPU ticks (user+system) of one process.
ticks() { if [ -r "/proc/$1/stat" ]; then awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; else echo 0; fi; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Redis's own counters: "used_cpu_sys used_cpu_user evalsha_calls evalsha_usec publish_calls"
redis_counters() {
  { rcli INFO cpu; rcli INFO commandstats; } | tr -d '\r' | python3 -c '
import re, sys
t = sys.stdin.read()
def f(k):
    m = re.search(r"^" + k + r":([0-9.]+)", t, re.M); return float(m.group(1)) if m else 0.0
def c(cmd, k):
    m = re.search(r"^cmdstat_" + cmd + r":.*?\b" + k + r"=([0-9.]+)", t, re.M); return float(m.group(1)) if m else 0.0
print(f("used_cpu_sys"), f("used_cpu_user"), c("evalsha", "calls"), c("evalsha", "usec"), c("eval", "calls"))'
}
# The largest omem (bytes) of a pub/sub client now.
pubsub_omem() { rcli CLIENT LIST TYPE pubsub | tr ' ' '\n' | awk -F= '$1 == "omem" && $2 > m {m = $2} END {print m + 0}'; }

# ---- machine ---------------------------------------------------------------------------------

{
  echo "run $run on $(hostname) at $(date -u +%FT%TZ); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "redis: $(redis-server --version); core $rcore with the load generator; nodes on core $ncore: -XX:ActiveProcessorCount=1 $java_opts --io-threads 1"
  echo "other processes using CPU at the start:"
  ps -eo pid,pcpu,etime,args --sort=-pcpu | head -8 | cut -c1-160
} > "$logs/machine.txt"
log "results: $results (logs in $logs)"
start_redis
log "redis-server $(rcli INFO server | tr -d '\r' | awk -F: '/^redis_version/ {print $2}') on port $rport (pid $redis_pid)"

# ---- 1. load scenarios ---------------------------------------------------------------------

# Runs the load generator and appends one JSON line. The load generator reads the CPU of node A
# (--server-pid), of the other processes (--watch-pid: node B, Redis) and its own over its measured
# window; around the whole run the script reads Redis's INFO commandstats (cmdstat_evalsha calls and
# time: their mean is the script's own time in Redis) and polls CLIENT LIST TYPE pubsub every 0.5 s
# for the peak omem. $1 tag, $2 variant, $3 subscribers, $4 rate, $5 "node pids" (A first), then the
# load generator's URL options.
measure_load() {
  local tag="$1" variant="$2" subs="$3" rate="$4" nodes="$5"; shift 5
  local blog="$logs/$tag.bench.log" p watch=() first=1
  for p in $nodes; do [ $first = 1 ] && first=0 || watch+=(--watch-pid "$p"); done
  watch+=(--watch-pid "$redis_pid")
  local rc0 rc1 omem=0 o
  rc0=$(redis_counters)
  taskset -c "$rcore" java -jar "$bench_jar" --label "$variant" --transport "$transport" \
    --subscribers "$subs" --rate "$rate" --payload-bytes 64 --warmup "$warmup" --duration "$duration" \
    --source-ips 8 --batch 200 --server-pid "${nodes%% *}" "${watch[@]}" "$@" > "$work/load.json" 2> "$blog" &
  local bench=$!
  pids+=("$bench")
  while kill -0 "$bench" 2>/dev/null; do
    o=$(pubsub_omem 2>/dev/null || echo 0); [ "${o:-0}" -gt "$omem" ] && omem=$o
    sleep 0.5
  done
  wait "$bench" || log "$tag: the load generator reported a problem or failed (see $blog)"
  rc1=$(redis_counters)
  python3 - "$work/load.json" "$variant" "$rc0" "$rc1" "$omem" >> "$results" <<'PY'
import json, sys
path, variant, rc0, rc1, omem = sys.argv[1:]
lines = [l for l in open(path).read().splitlines() if l.startswith("{")]
if not lines:
    sys.exit(0)
d = json.loads(lines[-1])
c0, c1 = [list(map(float, s.split())) for s in (rc0, rc1)]
calls = c1[2] - c0[2]
watched = d.get("watched_cpu_s") or []
nodes = [(d.get("server_user_cpu_s") or 0) + (d.get("server_sys_cpu_s") or 0)] + watched[:-1]
redis = watched[-1] if watched else 0
loadgen = (d.get("loadgen_user_cpu_s") or 0) + (d.get("loadgen_sys_cpu_s") or 0)
deliveries = d.get("window_deliveries") or 0
pubs = deliveries / d["connected"] if d.get("connected") else 0
d.update({
    "variant": variant,
    "node_cpu_s": [round(n, 2) for n in nodes],
    "redis_cpu_s": round(redis, 2),
    "loadgen_cpu_s": round(loadgen, 2),
    "evalsha_calls": int(calls),
    "eval_calls": int(c1[4] - c0[4]),
    "evalsha_usec_per_call": round((c1[3] - c0[3]) / calls, 2) if calls else None,
    "pubsub_omem_peak_bytes": int(omem),
    "node_cpu_us_per_delivery": round(sum(nodes) * 1e6 / deliveries, 2) if deliveries else None,
    "total_cpu_us_per_delivery": round((sum(nodes) + redis + loadgen) * 1e6 / deliveries, 2) if deliveries else None,
    "redis_cpu_us_per_publication": round(redis * 1e6 / pubs, 1) if pubs and variant != "memory" else None,
})
d["build"] = __import__("os").environ["BENCH_BUILD"]
print(json.dumps(d, separators=(",", ":")))
PY
}

for round in $(seq 1 "$repeat"); do
  for scenario in $scenarios; do
    subs="${scenario%x*}"; rate="${scenario#*x}"
    for variant in $variants; do
      tag="$variant-$transport-$subs-$rate-r$round"
      log "$tag: $subs $transport subscribers, $rate publications/s, $warmup warm-up, $duration measured"
      rcli FLUSHALL >/dev/null; rcli CONFIG RESETSTAT >/dev/null
      path=$([ "$transport" = ws ] && echo ws || echo sse)
      case "$variant" in
        memory)
          start_node "$tag.node" memory; a=$node_pid; ap=$node_port
          measure_load "$tag" "$variant" "$subs" "$rate" "$a" --url "http://127.0.0.1:$ap/$path/{channel}" \
            --publish-url "http://127.0.0.1:$ap/pub/{channel}" ;;
        redis1)
          start_node "$tag.node" redis; a=$node_pid; ap=$node_port
          measure_load "$tag" "$variant" "$subs" "$rate" "$a" --url "http://127.0.0.1:$ap/$path/{channel}" \
            --publish-url "http://127.0.0.1:$ap/pub/{channel}" ;;
        redis2)
          start_node "$tag.nodeA" redis; a=$node_pid; ap=$node_port
          start_node "$tag.nodeB" redis; b=$node_pid; bp=$node_port
          measure_load "$tag" "$variant" "$subs" "$rate" "$a $b" --url "http://127.0.0.1:$ap/$path/{channel}" \
            --also-url "http://127.0.0.1:$bp/$path/{channel}" --publish-url "http://127.0.0.1:$ap/pub/{channel}" ;;
        *) log "unknown variant $variant"; exit 2 ;;
      esac
      stop_all_nodes
    done
  done
done

# ---- 2. wrk POST /pub through one node --------------------------------------------------------

if [ "${BENCH_WRK:-1}" = 1 ] && command -v wrk >/dev/null; then
  for round in $(seq 1 "$repeat"); do
    for broker in $wrk_brokers; do
      tag="wrk-$broker-r$round"
      log "$tag: wrk POST /pub/wrk, $wrk_conns connections, one SSE subscriber, $wrk_duration after $wrk_warmup"
      rcli FLUSHALL >/dev/null; rcli CONFIG RESETSTAT >/dev/null
      start_node "$tag.node" "$broker"
      taskset -c "$rcore" curl -sN -H 'Accept: text/event-stream' "http://127.0.0.1:$node_port/sse/wrk" > "$work/wrk-sub.out" 2>/dev/null &
      pids+=("$!"); sub=$!
      sleep 1
      pub="http://127.0.0.1:$node_port/pub/wrk"
      taskset -c "$rcore" wrk -t1 -c"$wrk_conns" -d"$wrk_warmup" -s "$root/bench/wrk/post.lua" "$pub" > /dev/null 2>&1 || true
      events0=$(grep -c '^data:' "$work/wrk-sub.out" || true)
      n0=$(ticks "$node_pid"); r0=$(ticks "$redis_pid"); m0=$(machine_ticks); rc0=$(redis_counters)
      out=$(taskset -c "$rcore" wrk -t1 -c"$wrk_conns" -d"$wrk_duration" -s "$root/bench/wrk/post.lua" "$pub" 2> "$logs/$tag.wrk.err" | tail -n 1)
      n1=$(ticks "$node_pid"); r1=$(ticks "$redis_pid"); m1=$(machine_ticks); rc1=$(redis_counters)
      sleep 1
      events=$(( $(grep -c '^data:' "$work/wrk-sub.out" || true) - events0 ))
      python3 - "$out" "$broker" "$hz" "$((n1 - n0))" "$((r1 - r0))" "$((m1 - m0))" "$rc0" "$rc1" "$events" "$wrk_conns" >> "$results" <<'PY'
import json, sys
out, broker, hz, node, redis, machine, rc0, rc1, events, conns = sys.argv[1:]
d = json.loads(out)
hz = float(hz)
c0, c1 = [list(map(float, s.split())) for s in (rc0, rc1)]
calls = c1[2] - c0[2]
r = {"mode": "wrk", "variant": "wrk-" + broker, "connections": int(conns), "payload_bytes": 64}
r.update(d)
r["node_cpu_s"] = round(int(node) / hz, 2)
r["redis_cpu_s"] = round(int(redis) / hz, 2)
r["redis_cpu_share"] = round(int(redis) / hz / d["duration_s"], 3)
r["machine_busy_cpu_s"] = round(int(machine) / hz, 2)
r["requests_per_node_cpu_s"] = round(d["requests"] / (int(node) / hz)) if int(node) else None
r["evalsha_calls"] = int(calls)
r["evalsha_usec_per_call"] = round((c1[3] - c0[3]) / calls, 2) if calls else None
r["redis_cpu_us_per_publication"] = round(((c1[0] + c1[1]) - (c0[0] + c0[1])) * 1e6 / calls, 1) if calls else None
r["subscriber_events"] = int(events)
r["build"] = __import__("os").environ["BENCH_BUILD"]
print(json.dumps(r, separators=(",", ":")))
PY
      stop_all_nodes
    done
  done
fi

# ---- 3. redis-benchmark: the same publish script, Redis's own limit -------------------------------

if [ "${BENCH_REDIS_BENCHMARK:-1}" = 1 ] && command -v redis-benchmark >/dev/null; then
  # The script's text exactly as the Herald jar under test sends it (Script.PUBLISH), so the SHA is the same.
  cat > "$work/PublishScript.java" <<'JAVA'
public class PublishScript {
    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName("io.herald.redis.Script");
        java.lang.reflect.Field f = c.getDeclaredField("PUBLISH");
        f.setAccessible(true);
        Object script = f.get(null);
        java.lang.reflect.Field text = c.getDeclaredField("text");
        text.setAccessible(true);
        System.out.write((byte[]) text.get(script));
        System.out.flush();
    }
}
JAVA
  java -cp "$herald_jar" "$work/PublishScript.java" > "$work/publish.lua"
  sha=$(rcli -x SCRIPT LOAD < "$work/publish.lua" | tr -d '\r')
  run_id=$(rcli INFO server | tr -d '\r' | awk -F: '/^run_id/ {print $2}')
  # herald's prefix, channel "rb", history 1,000 entries and 10 minutes (the defaults), meta TTL
  # = age + the memory broker's stream TTL, a 64-byte body as Herald encodes it (Wire.body)
  body="$(printf 'x%.0s' $(seq 1 64))"
  for round in $(seq 1 "$repeat"); do
    for pipeline in 1 16; do
      tag="redis-benchmark-P$pipeline-r$round"
      rcli FLUSHALL >/dev/null; rcli CONFIG RESETSTAT >/dev/null
      taskset -c "$ncore" redis-cli -h 127.0.0.1 -p "$rport" SUBSCRIBE 'herald:c:{rb}' > /dev/null 2>&1 &
      pids+=("$!"); rsub=$!
      sleep 0.5
      log "$tag: EVALSHA $sha, 32 connections, -P $pipeline, $rb_n requests"
      r0=$(ticks "$redis_pid"); rc0=$(redis_counters); t0=$(date +%s.%N)
      taskset -c "$ncore" redis-benchmark -h 127.0.0.1 -p "$rport" -c 32 -P "$pipeline" -n "$rb_n" --csv \
        EVALSHA "$sha" 2 'herald:m:{rb}' 'herald:s:{rb}' "$run_id" abcdefgh 1000 600000 3600000 'herald:c:{rb}' "$body" \
        > "$logs/$tag.csv" 2>&1 || log "$tag: redis-benchmark failed (see $logs/$tag.csv)"
      r1=$(ticks "$redis_pid"); rc1=$(redis_counters); t1=$(date +%s.%N)
      stop_pid "$rsub"
      python3 - "$logs/$tag.csv" "$pipeline" "$hz" "$((r1 - r0))" "$rc0" "$rc1" "$(awk -v a="$t1" -v b="$t0" 'BEGIN {print a - b}')" >> "$results" <<'PY'
import csv, json, sys
path, pipeline, hz, redis, rc0, rc1, wall = sys.argv[1:]
rows = [r for r in csv.reader(open(path)) if r and r[0] != "test"]
rps = float(rows[-1][1]) if rows else None
c0, c1 = [list(map(float, s.split())) for s in (rc0, rc1)]
calls = c1[2] - c0[2]
r = {"mode": "redis-benchmark", "variant": "redis-benchmark-P" + pipeline, "connections": 32,
     "pipeline": int(pipeline), "requests_per_s": rps, "wall_s": round(float(wall), 2),
     "redis_cpu_s": round(int(redis) / float(hz), 2),
     "redis_cpu_share": round(int(redis) / float(hz) / float(wall), 3),
     "evalsha_calls": int(calls),
     "evalsha_usec_per_call": round((c1[3] - c0[3]) / calls, 2) if calls else None,
     "redis_cpu_us_per_publication": round(((c1[0] + c1[1]) - (c0[0] + c0[1])) * 1e6 / calls, 1) if calls else None}
if len(rows[-1]) > 4:
    r["latency_p50_ms"] = float(rows[-1][4]); r["latency_p99_ms"] = float(rows[-1][6])
r["build"] = __import__("os").environ["BENCH_BUILD"]
print(json.dumps(r, separators=(",", ":")))
PY
    done
  done
fi

# ---- 4. reconnect herd: Redis restarted (without data) under subscribers of one node ----------

if [ "${BENCH_HERD:-0}" = 1 ]; then
  herd_subs="${BENCH_HERD_SUBSCRIBERS:-10000}"; herd_down="${BENCH_HERD_DOWN:-2}"; herd_spread="${BENCH_HERD_SPREAD:-5s}"
  herd_rate="${BENCH_HERD_RATE:-10}"
  for round in $(seq 1 "$repeat"); do
    tag="herd-$herd_subs-r$round"
    log "$tag: $herd_subs SSE subscribers on one node, $herd_rate/s, reset spread $herd_spread; Redis stopped for ${herd_down}s then started empty"
    rcli FLUSHALL >/dev/null; rcli CONFIG RESETSTAT >/dev/null
    HERALD_DELIVERY_RESET_SPREAD="$herd_spread" start_node "$tag.node" redis
    blog="$logs/$tag.bench.log"
    taskset -c "$rcore" java -jar "$bench_jar" --label herd --transport sse --channel herd --subscribers "$herd_subs" --resume \
      --rate "$herd_rate" --payload-bytes 64 --warmup 5s --duration 30s --drain 10s --source-ips 8 --batch 200 \
      --url "http://127.0.0.1:$node_port/sse/{channel}" --server-pid "$node_pid" > "$work/herd.json" 2> "$blog" &
    bench=$!; pids+=("$bench")
    until grep -q 'publishing' "$blog" 2>/dev/null || ! kill -0 "$bench" 2>/dev/null; do sleep 0.1; done
    sleep 10
    stop_pid "$redis_pid"
    sleep "$herd_down"
    start_redis "$rport"
    t_up=$(date +%s.%N)
    # the node's command connection is back when a publish is accepted; its pub/sub connection when
    # Redis counts a subscriber on the channel (PUBSUB NUMSUB)
    t_pub=""; t_sub=""
    for _ in $(seq 1 600); do
      if [ -z "$t_pub" ] && curl -fs -o /dev/null --max-time 1 -X POST --data probe "http://127.0.0.1:$node_port/pub/herd-probe"; then
        t_pub=$(date +%s.%N)
      fi
      if [ -z "$t_sub" ] && [ "$(rcli PUBSUB NUMSUB 'herald:c:{herd}' | tail -n 1)" -ge 1 ]; then t_sub=$(date +%s.%N); fi
      [ -n "$t_pub" ] && [ -n "$t_sub" ] && break
      sleep 0.05
    done
    wait "$bench" || log "$tag: the load generator reported a problem (expected: publications refused while Redis was down)"
    stats=$(rcli INFO commandstats | tr -d '\r')
    python3 - "$work/herd.json" "$t_up" "${t_pub:-0}" "${t_sub:-0}" "$stats" "$herd_down" "$herd_spread" >> "$results" <<'PY'
import json, re, sys, os
path, up, pub, sub, stats, down, spread = sys.argv[1:]
lines = [l for l in open(path).read().splitlines() if l.startswith("{")]
d = json.loads(lines[-1]) if lines else {}
def calls(cmd):
    m = re.search(r"^cmdstat_" + cmd + r":calls=(\d+)", stats, re.M); return int(m.group(1)) if m else 0
up, pub, sub = float(up), float(pub), float(sub)
res = d.get("resume") or {}
def after_up(times):  # [min, p50, p99, max] epoch ms -> seconds after Redis came back
    return [round(t / 1000.0 - up, 3) for t in times] if times else None
r = {"mode": "herd", "variant": "herd", "subscribers": d.get("subscribers"), "connected": d.get("connected"),
     "redis_down_s": float(down), "reset_spread": spread, "rate": d.get("rate"),
     # per subscriber, from Redis back up: its reset arrived (resubscribed on the new epoch), and its
     # first publication of the new epoch arrived; [min, p50, p99, max] seconds
     "reset_after_s": after_up(res.get("reset_at_ms")), "recovered_after_s": after_up(res.get("first_after_reset_at_ms")),
     "subscribers_reset": res.get("subscribers_reset"), "subscribers_recovered": res.get("recovered"),
     "resets": res.get("resets"), "resumes": res.get("resumes"), "skipped_by_reset": res.get("skipped_by_reset"),
     "publish_accepted_after_s": round(pub - up, 3) if pub else None,
     "resubscribed_after_s": round(sub - up, 3) if sub else None,
     # after the restart Redis's counters start at zero: every EVALSHA that is not a publish (XADD) is a history read
     "evalsha_after_restart": calls("evalsha") + calls("eval"), "publishes_after_restart": calls("xadd"),
     "history_reads_after_restart": calls("evalsha") + calls("eval") - calls("xadd"),
     "subscribe_calls_after_restart": calls("subscribe"),
     "published": d.get("published"), "publish_errors": d.get("publish_errors"), "lost": d.get("lost"),
     "duplicated": d.get("duplicated"), "reordered": d.get("reordered"), "disconnects": d.get("disconnects"),
     "latency_p99_ms": d.get("latency_p99_ms"), "latency_max_ms": d.get("latency_max_ms"), "problems": d.get("problems"),
     "build": os.environ["BENCH_BUILD"]}
print(json.dumps(r, separators=(",", ":")))
PY
    tail -n 1 "$results" >&2
    stop_all_nodes
  done
fi

# ---- table -----------------------------------------------------------------------------------

trap - EXIT INT TERM
cleanup
log "done: $results"
python3 - "$results" "${BENCH_CHECK:-0}" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = 0
print("| variant | subs x rate | deliveries/s | lost/dup/reord | p50 ms | p99 ms | node CPU-s (each) | node µs/delivery | total µs/delivery | Redis µs/pub | evalsha calls, µs/call | peak pub/sub omem |")
print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for d in rows:
    if d.get("mode") != "load":
        continue
    bad += (d["lost"] + d["duplicated"] + d["reordered"]) > 0 or d["connected"] < d["subscribers"]
    print(f'| {d["variant"]} | {d["subscribers"]} x {d["rate"]:g} | {d["deliveries_per_s"]:,.0f} | {d["lost"]}/{d["duplicated"]}/{d["reordered"]} '
          f'| {d["latency_p50_ms"]} | {d["latency_p99_ms"]} | {" + ".join(str(c) for c in d["node_cpu_s"])} | {d["node_cpu_us_per_delivery"]} '
          f'| {d["total_cpu_us_per_delivery"]} | {d["redis_cpu_us_per_publication"] or "-"} | {d["evalsha_calls"]}, {d["evalsha_usec_per_call"] or "-"} '
          f'| {d["pubsub_omem_peak_bytes"]} |')
print()
print("| what | requests/s | p50 / p99 ms | node CPU-s | Redis CPU share | Redis µs/pub (INFO cpu) | evalsha µs/call |")
print("|---|--:|--:|--:|--:|--:|--:|")
for d in rows:
    if d.get("mode") == "wrk":
        print(f'| {d["variant"]} | {d["requests_per_s"]:,.0f} | {d["latency_p50_ms"]} / {d["latency_p99_ms"]} | {d["node_cpu_s"]} '
              f'| {d["redis_cpu_share"]} | {d["redis_cpu_us_per_publication"] or "-"} | {d["evalsha_usec_per_call"] or "-"} |')
    elif d.get("mode") == "redis-benchmark":
        print(f'| {d["variant"]} | {d["requests_per_s"]:,.0f} | {d.get("latency_p50_ms")} / {d.get("latency_p99_ms")} | - '
              f'| {d["redis_cpu_share"]} | {d["redis_cpu_us_per_publication"]} | {d["evalsha_usec_per_call"]} |')
herd = [d for d in rows if d.get("mode") == "herd"]
if herd:
    def pct(v):
        return " / ".join(str(x) for x in v[1:]) if v else "-"
    print()
    print("| herd subscribers | reset spread | Redis down s | publish accepted after s | NUMSUB after s | reset after s p50 / p99 / max"
          " | new epoch after s p50 / p99 / max | recovered / reset / connected | history scripts | SUBSCRIBEs | publish errors | lost | skipped by reset | dup / reord |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for d in herd:
        print(f'| {d["subscribers"]} | {d.get("reset_spread")} | {d["redis_down_s"]} | {d["publish_accepted_after_s"]} | {d["resubscribed_after_s"]} '
              f'| {pct(d.get("reset_after_s"))} | {pct(d.get("recovered_after_s"))} '
              f'| {d.get("subscribers_recovered")} / {d.get("subscribers_reset")} / {d["connected"]} | {d["history_reads_after_restart"]} '
              f'| {d["subscribe_calls_after_restart"]} | {d["publish_errors"]} | {d["lost"]} | {d.get("skipped_by_reset")} '
              f'| {d["duplicated"]} / {d["reordered"]} |')
if sys.argv[2] == "1" and bad:
    print(f"bench-redis: {bad} load runs were not clean", file=sys.stderr)
    sys.exit(3)
PY
