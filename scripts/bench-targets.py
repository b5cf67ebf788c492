#!/usr/bin/env python3
"""Issue 4's targets for Herald, checked against one run's JSON lines (scripts/bench.sh):

    scripts/bench-targets.py bench/results/RUN.jsonl [HERALD_LABEL]

Prints a markdown table: Herald's and Nchan's deliveries per server CPU-second per scenario and
their ratio, Herald's user CPU per delivery, latency p99 at 1,000 x 100/s, idle RSS and heap per
connection, and wrk's publications/s."""
import json
import sys

path = sys.argv[1]
herald = sys.argv[2] if len(sys.argv) > 2 else "herald"
load, idle, wrk = {}, {}, {}
for line in open(path):
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if d["mode"] == "load":
        load[(d["label"], d["transport"], d["subscribers"], int(d["rate"]))] = d
    elif d["mode"] == "idle":
        idle[(d["label"], d["transport"])] = d
    elif d["mode"] == "wrk":
        wrk[d["label"]] = d


def per_cpu(d):
    return d.get("deliveries_per_server_cpu_s") if d else None


def fmt(x, digits=0):
    return "—" if x is None else f"{x:,.{digits}f}"


print("| scenario | transport | Herald deliveries / CPU-s | Nchan deliveries / CPU-s | ratio | target | met |"
      " Herald user µs / delivery | Herald p99 ms |")
print("|---|---|--:|--:|--:|--:|---|--:|--:|")
for subs, rate, target in [(1000, 100, None), (1000, 1000, 2.0), (10000, 10, 1.2), (10000, 100, 1.2)]:
    for t in ["sse", "ws"]:
        h = load.get((herald, t, subs, rate))
        n = load.get(("nchan", t, subs, rate))
        hr, nr = per_cpu(h), per_cpu(n)
        ratio = hr / nr if hr and nr else None
        user = None
        if h and h.get("window_deliveries"):
            user = h["server_user_cpu_s"] / h["window_deliveries"] * 1e6
        goal = f"≥ {target}×" if target else "—"
        met = "—" if target is None or ratio is None else ("yes" if ratio >= target else f"no ({ratio / target:.0%} of it)")
        print(f"| {subs:,} × {rate}/s | {t} | {fmt(hr)} | {fmt(nr)} | {fmt(ratio, 2)} | {goal} | {met} |"
              f" {fmt(user, 2)} | {fmt(h.get('latency_p99_ms') if h else None, 1)} |")
print()
print("| idle | transport | connections | RSS B / connection (fit) | live heap B / connection | RSS + heap |")
print("|---|---|--:|--:|--:|--:|")
for (label, t), d in sorted(idle.items()):
    rss = d.get("rss_fit_bytes_per_connection")
    heap = d.get("heap_live_bytes_per_connection")
    total = (rss or 0) + (heap or 0) if label == herald else rss
    print(f"| {label} | {t} | {d['connected']:,} | {fmt(rss)} | {fmt(heap)} | {fmt(total)} |")
print()
for label, d in wrk.items():
    print(f"wrk {label}: {d['requests_per_s']:,.0f} publications/s, p99 {d['latency_p99_ms']} ms, "
          f"{d['subscriber_events']:,} of {d['requests']:,} delivered to the one subscriber")
