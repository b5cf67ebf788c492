#!/usr/bin/env bash
# Where a server's time goes during one load scenario (docs/benchmarks.md, "the whole cost per delivery").
#
#   scripts/profile.sh [herald|nchan|PID]
#
# herald: starts the built Herald jar pinned to core 0 as scripts/bench.sh does (port 18080, one event
# loop, the same environment); nchan: starts nginx + Nchan pinned to core 0 (port 18081,
# bench/nchan/nginx.conf); PID: attaches to a running server (give PROFILE_URL and PROFILE_PUBLISH_URL
# unless it is Herald on 127.0.0.1:18080). herald-bench then runs SUBSCRIBERS x RATE on core 1 and,
# during its measured window only, this records:
#   (a) kernel and user stacks of the server's processes: perf record -e cpu-clock -g, reported with
#       perf report --no-children (perf-report.txt: by symbol; perf-report-callers.txt: call graphs);
#   (b) Java frames, when the server is a JVM: async-profiler (tools.profiler:async-profiler from Maven
#       Central, fetched once with mvn dependency:copy into ~/.cache/herald-profile, outside the
#       repository), loaded with jcmd JVMTI.agent_load (folded stacks: async-profiler.collapsed, and a
#       flame graph: async-profiler.html).
# Everything goes to bench/results/profiles/$PROFILE_RUN/ (gitignored but for summary.txt and load.jsonl);
# summary.txt groups the kernel samples (loopback receive: net_rx_action/process_backlog/tcp_v4_rcv run
# inline in a send; send; read; epoll; futex; other kernel; user) and lists the top kernel symbols and the
# top Java frames, and says what is missing when perf or async-profiler is.
#
# Needs: perf (Debian: linux-perf) with access to cpu-clock and kernel stacks (root, or
# perf_event_paranoid <= 1 and kptr_restrict 0), python3; JDK 17 (jcmd) for Java frames.
#
# Environment (defaults in brackets):
#   SUBSCRIBERS [1000]  RATE [100]  TRANSPORT [ws] (sse|ws)
#   PROFILE_WARMUP [10s]   publishing before the window (the JIT compiles meanwhile)
#   PROFILE_DURATION [10]  the measured window, in seconds
#   PROFILE_FREQ [999]     perf samples per second per thread
#   PROFILE_JAVA [auto]    auto: async-profiler for a JVM; off: perf only
#   ASYNC_PROFILER_VERSION [4.2]
#   PROFILE_RUN [SERVER-TRANSPORT-SUBSxRATE-date]
#   PROFILE_PORT [18080]   Herald's port (Nchan's is bench/nchan/nginx.conf's 18081); a port in use is refused
#   PROFILE_URL, PROFILE_PUBLISH_URL  subscriber and publish URL templates when attaching to a PID
#   HERALD_JAVA_OPTS, HERALD_ARGS, HERALD_JAR, BENCH_NO_BUILD: as in scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

target="${1:-herald}"
subs="${SUBSCRIBERS:-1000}"; rate="${RATE:-100}"; transport="${TRANSPORT:-ws}"
warmup="${PROFILE_WARMUP:-10s}"; duration="${PROFILE_DURATION:-10}"; freq="${PROFILE_FREQ:-999}"
java_mode="${PROFILE_JAVA:-auto}"; ap_version="${ASYNC_PROFILER_VERSION:-4.2}"
java_opts="${HERALD_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}"
herald_jar="${HERALD_JAR:-$root/herald-server/target/herald.jar}"
bench_jar="$root/herald-bench/target/herald-bench.jar"
label="$([[ "$target" =~ ^[0-9]+$ ]] && echo "pid$target" || echo "$target")"
run="${PROFILE_RUN:-$label-$transport-${subs}x$rate-$(date -u +%Y%m%d-%H%M%S)}"
out="$root/bench/results/profiles/$run"
mkdir -p "$out"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/herald-profile"
# as scripts/bench.sh: no access log, admin on a free port, no per-address limits
export HERALD_LOGGING_ACCESS_LOG="${HERALD_LOGGING_ACCESS_LOG:-false}"
export HERALD_ADMIN_LISTEN="${HERALD_ADMIN_LISTEN:-127.0.0.1:0}"
export HERALD_LIMITS_PER_IP_CONNECTIONS="${HERALD_LIMITS_PER_IP_CONNECTIONS:-0}"
export HERALD_LIMITS_PER_IP_CONNECT_RATE="${HERALD_LIMITS_PER_IP_CONNECT_RATE:-0}"

log() { echo "[profile $(date +%T)] $*" >&2; }
missing=()   # what this profile lacks, for the summary

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building the jars"
  mvn -B -ntp -q -DskipTests -pl herald-server,herald-bench -am package
fi

# ---- the server -------------------------------------------------------------------------------

started=""
stop_started() {
  if [ -n "$started" ]; then
    kill "$started" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$started" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$started" 2>/dev/null || true
    wait "$started" 2>/dev/null || true
    started=""
  fi
}
trap stop_started EXIT INT TERM

port_free() { # refuses a port another benchmark (or anything) listens on
  if ss -ltn "sport = :$1" 2>/dev/null | grep -q LISTEN; then
    log "port $1 is in use (another benchmark? ss -ltnp | grep $1): wait for it to end"; exit 1
  fi
}

wait_http() { # until something answers on $1 (10 s at most)
  for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.1; done
  log "nothing answers on $1"; exit 1
}

case "$target" in
  herald)
    port="${PROFILE_PORT:-18080}"; port_free "$port"
    # shellcheck disable=SC2086
    taskset -c 0 java $java_opts -jar "$herald_jar" --port "$port" --io-threads 1 ${HERALD_ARGS:-} > "$out/server.log" 2>&1 &
    started=$!; pid=$started
    wait_http "http://127.0.0.1:$port/"
    sub_url="http://127.0.0.1:$port/$transport/{channel}"; pub_url="http://127.0.0.1:$port/pub/{channel}" ;;
  nchan)
    port_free 18081
    work=/tmp/herald-profile-nchan; rm -rf "$work"; mkdir -p "$work/logs" "$work/tmp"
    taskset -c 0 nginx -p "$work/" -c "$root/bench/nchan/nginx.conf" -g 'daemon off;' > "$out/server.log" 2>&1 &
    started=$!; pid=$started
    wait_http http://127.0.0.1:18081/
    sub_url="http://127.0.0.1:18081/sub/{channel}"; pub_url="http://127.0.0.1:18081/pub?id={channel}" ;;
  *)
    [[ "$target" =~ ^[0-9]+$ ]] && kill -0 "$target" 2>/dev/null || { log "no such process: $target"; exit 2; }
    pid=$target
    sub_url="http://127.0.0.1:18080/$transport/{channel}"; pub_url="http://127.0.0.1:18080/pub/{channel}"
    sub_url="${PROFILE_URL:-$sub_url}"; pub_url="${PROFILE_PUBLISH_URL:-$pub_url}" ;;
esac
sleep 1
pids="$pid $( (pgrep -P "$pid" || true) | tr "\n" " ")"   # nginx: the master and its worker
is_jvm=0; [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */java ]] && is_jvm=1
log "profiling $label (processes: $pids) under $subs $transport subscribers x $rate/s; output in $out"

# ---- the tools --------------------------------------------------------------------------------

have_perf=0
if ! command -v perf >/dev/null; then
  missing+=("kernel and user stacks: perf is not installed (Debian: apt-get install linux-perf)")
elif ! perf record -e cpu-clock -g -o "$out/perf-check.data" -p "$pid" -- sleep 0.1 > "$out/perf-check.log" 2>&1; then
  missing+=("kernel and user stacks: perf cannot sample process $pid (perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid)): $(head -c 300 "$out/perf-check.log" | tr '\n' ' ')")
else
  have_perf=1
fi
rm -f "$out/perf-check.data" "$out/perf-check.log"

ap_lib=""
if [ "$java_mode" = off ]; then
  missing+=("Java frames: PROFILE_JAVA=off")
elif [ "$is_jvm" != 1 ]; then
  missing+=("Java frames: process $pid is not a JVM")
elif ! command -v jcmd >/dev/null; then
  missing+=("Java frames: no jcmd (a JDK) to load async-profiler")
else
  ap_jar="$cache/async-profiler-$ap_version-linux-x64.jar"
  if [ ! -f "$ap_jar" ]; then
    mkdir -p "$cache"
    mvn -B -ntp -q dependency:copy -Dartifact="tools.profiler:async-profiler:$ap_version:jar:linux-x64" \
      -DoutputDirectory="$cache" > "$out/async-profiler-fetch.log" 2>&1 || true
  fi
  if [ -f "$ap_jar" ]; then
    mkdir -p "$cache/$ap_version"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("linux-x64/libasyncProfiler.so", sys.argv[2])' \
      "$ap_jar" "$cache/$ap_version"
    ap_lib="$cache/$ap_version/linux-x64/libasyncProfiler.so"
  else
    missing+=("Java frames: tools.profiler:async-profiler:$ap_version:linux-x64 could not be fetched (see async-profiler-fetch.log)")
  fi
fi
# async-profiler's commands through the JVM's attach mechanism; the quotes keep jcmd from splitting at '='
ap() { jcmd "$pid" JVMTI.agent_load "$ap_lib" "\"$1\"" >> "$out/async-profiler.log" 2>&1; }

# ---- the scenario, profiled during its measured window ----------------------------------------

taskset -c 1 java -jar "$bench_jar" --label "$label" --transport "$transport" --url "$sub_url" --publish-url "$pub_url" \
  --subscribers "$subs" --rate "$rate" --payload-bytes 64 --warmup "$warmup" --duration "${duration}s" \
  --source-ips 8 --batch 200 --server-pid "$pid" > "$out/load.jsonl" 2> "$out/bench.log" &
bench=$!
for _ in $(seq 1 3000); do
  grep -q "measured window open" "$out/bench.log" 2>/dev/null && break
  kill -0 "$bench" 2>/dev/null || { log "the load generator ended before its window (see $out/bench.log)"; exit 1; }
  sleep 0.1
done
log "window open: profiling for ${duration} s"
if [ -n "$ap_lib" ]; then
  ap "start,event=cpu,interval=1ms,threads" || { missing+=("Java frames: async-profiler did not start (see async-profiler.log)"); ap_lib=""; }
fi
if [ "$have_perf" = 1 ]; then
  # shellcheck disable=SC2086
  perf record -e cpu-clock -F "$freq" -g -p "$(echo $pids | tr ' ' ',')" -o "$out/perf.data" -- sleep "$duration" \
    > "$out/perf-record.log" 2>&1 || missing+=("kernel and user stacks: perf record failed (see perf-record.log)")
else
  sleep "$duration"
fi
if [ -n "$ap_lib" ]; then
  ap "dump,file=$out/async-profiler.collapsed,collapsed,ann" || true
  ap "stop,file=$out/async-profiler.html" || true
  [ -s "$out/async-profiler.collapsed" ] || missing+=("Java frames: async-profiler wrote nothing (see async-profiler.log)")
fi
wait "$bench" || log "the load generator failed (see $out/bench.log)"
stop_started

# ---- reports ----------------------------------------------------------------------------------

if [ -s "$out/perf.data" ]; then
  perf report -i "$out/perf.data" --no-children --stdio --sort dso,sym -g none --percent-limit 0.3 \
    > "$out/perf-report.txt" 2> /dev/null || true
  perf report -i "$out/perf.data" --no-children --stdio --sort sym -g caller,0.5,callee,function,percent \
    --percent-limit 2 > "$out/perf-report-callers.txt" 2> /dev/null || true
  perf script -i "$out/perf.data" -F comm,tid,ip,sym,dso 2> /dev/null > "$out/perf.script" || true
fi
{
  echo "profile $run: $label, $subs $transport subscribers x $rate/s, ${duration} s window after $warmup warm-up"
  echo "machine: $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"
  echo "processes: $pids"
  for m in "${missing[@]+"${missing[@]}"}"; do echo "MISSING: $m"; done
  python3 "$root/scripts/profile-summary.py" "$out"
} > "$out/summary.txt"
rm -f "$out/perf.script"
cat "$out/summary.txt"
