#!/usr/bin/env python3
"""The summary of one scripts/profile.sh run (docs/benchmarks.md, "the whole cost per delivery").

    profile-summary.py DIR

Reads DIR/perf.script (perf script -F comm,tid,ip,sym,dso of a cpu-clock -g recording),
DIR/async-profiler.collapsed (async-profiler's folded stacks with ann and threads) and DIR/load.jsonl
(herald-bench's report of the scenario), whichever exist, and prints:
  - the cost figures herald-bench measured in the same window;
  - the share of perf samples per group, each sample in the first group one of its frames matches:
    loopback receive (net_rx_action / process_backlog / __netif_receive_skb / ip_rcv / tcp_v4_rcv: the
    receiver's TCP path run inline in a send on loopback), send, read, epoll, futex, other kernel, user;
  - the top kernel symbols (self) and the top user objects;
  - the top Java frames: self (the leaf) and the deepest Java frame of each sample (what Java code
    the time below it, native or kernel, was spent for).
"""
import collections
import json
import os
import sys

GROUPS = [
    ("loopback receive", ("net_rx_action", "process_backlog", "__netif_receive_skb", "__netif_receive_skb_one_core",
                          "__netif_receive_skb_core", "ip_rcv", "ip_local_deliver", "tcp_v4_rcv")),
    ("send", ("tcp_sendmsg", "tcp_sendmsg_locked", "sock_sendmsg", "sock_write_iter", "do_writev", "vfs_writev",
              "ksys_write", "__sys_sendto", "__sys_sendmsg", "tcp_write_xmit", "__tcp_push_pending_frames",
              "__x64_sys_write", "__x64_sys_writev", "__x64_sys_sendto", "__x64_sys_sendmsg")),
    ("read", ("tcp_recvmsg", "sock_read_iter", "ksys_read", "__sys_recvfrom", "__x64_sys_read", "__x64_sys_recvfrom",
              "__x64_sys_readv", "__x64_sys_recvmsg")),
    ("epoll", ("do_epoll_wait", "ep_poll", "ep_send_events", "__x64_sys_epoll_wait", "__x64_sys_epoll_pwait",
               "__x64_sys_epoll_pwait2", "__x64_sys_epoll_ctl")),
    ("futex", ("do_futex", "futex_wait", "futex_wake", "__x64_sys_futex")),
]
KERNEL = "[kernel.kallsyms]"


def perf_samples(path):
    """(comm, frames leaf first as (sym, dso)) per sample of perf script output."""
    sample = None
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                if sample:
                    yield sample
                sample = None
            elif not line[0].isspace():
                if sample:
                    yield sample
                sample = (line.split()[0], [])
            elif sample is not None:
                parts = line.strip().split(None, 1)
                rest = parts[1] if len(parts) > 1 else ""
                dso = rest[rest.rfind("(") + 1:-1] if rest.endswith(")") else ""
                sym = rest[:rest.rfind("(")].strip() if "(" in rest else rest
                sample[1].append((sym.split("+0x")[0], dso))
    if sample:
        yield sample


def group_of(frames):
    names = {sym for sym, _ in frames}
    for name, symbols in GROUPS:
        if any(s in names for s in symbols):
            return name
    if frames and frames[0][1] == KERNEL:
        return "other kernel"
    return "user"


def pct(n, total):
    return f"{100.0 * n / total:5.1f}%" if total else "  -  "


def summarize_perf(path):
    groups, kernel_syms, user_dsos, comms = (collections.Counter() for _ in range(4))
    total = 0
    for comm, frames in perf_samples(path):
        if not frames:
            continue
        total += 1
        groups[group_of(frames)] += 1
        comms[comm] += 1
        sym, dso = frames[0]
        if dso == KERNEL:
            kernel_syms[sym] += 1
        else:
            user_dsos[os.path.basename(dso) or "?"] += 1
    print(f"\nperf (cpu-clock, kernel and user stacks): {total} samples")
    if not total:
        return
    print("  by group (a sample counts in the first group one of its frames names):")
    for name in [g for g, _ in GROUPS] + ["other kernel", "user"]:
        print(f"    {name:<18} {pct(groups[name], total)}  ({groups[name]})")
    kernel = total - groups["user"]
    print(f"    (kernel in all: {pct(kernel, total)}; loopback receive is {pct(groups['loopback receive'], kernel)}"
          f" of the kernel samples)")
    print("  by thread name: " + ", ".join(f"{c} {pct(n, total).strip()}" for c, n in comms.most_common(6)))
    print_top("top kernel symbols (self):", kernel_syms, total, 15)
    print_top("top user objects (self):", user_dsos, total, 6)


def print_top(title, counter, total, n):
    print("  " + title)
    for name, count in counter.most_common(n):
        print(f"    {pct(count, total)}  {name}")


def java_frame(frame):
    return frame.endswith(("_[j]", "_[i]", "_[0]", "_[1]"))


def summarize_collapsed(path):
    leaves, deepest_java, threads = (collections.Counter() for _ in range(3))
    total = 0
    with open(path, errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            if frames[0].startswith("[") and " tid=" in frames[0]:
                threads[frames[0].strip("[]").split(" tid=")[0]] += n
                frames = frames[1:]
            if not frames:
                continue
            total += n
            leaves[frames[-1]] += n
            java = [fr for fr in frames if java_frame(fr)]
            deepest_java[java[-1] if java else "(no Java frame: JVM, GC, compiler)"] += n
    print(f"\nasync-profiler (cpu, Java + native + kernel frames): {total} samples")
    if not total:
        return
    if threads:
        print("  by thread: " + ", ".join(f"{t} {pct(n, total).strip()}" for t, n in threads.most_common(6)))
    print_top("top frames (self; _[k] kernel, _[j] compiled Java, _[i] inlined, _[1] C1, _[0] interpreted):",
              leaves, total, 15)
    print_top("top Java frames (the deepest Java frame of each sample, with what ran below it):",
              deepest_java, total, 15)


def summarize_load(path):
    for line in open(path):
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        sc = d.get("syscalls") or {}
        print(f"\nherald-bench in the same window: {d.get('window_deliveries')} deliveries, p50 {d.get('latency_p50_ms')} ms,"
              f" p99 {d.get('latency_p99_ms')} ms; per delivery: server user {d.get('server_user_us_per_delivery')} µs,"
              f" sys {d.get('server_sys_us_per_delivery')} µs, server {d.get('server_cpu_us_per_delivery')} µs,"
              f" load generator {d.get('loadgen_cpu_us_per_delivery')} µs, total {d.get('total_cpu_us_per_delivery')} µs;"
              f" system calls per delivery: writes {d.get('syscall_writes_per_delivery')},"
              f" reads {d.get('syscall_reads_per_delivery')}, epoll waits {d.get('syscall_epoll_waits_per_delivery')},"
              f" futex {d.get('syscall_futex_per_delivery')}" + (f" ({sc['note']})" if sc.get("note") else "")
              + (f"; problems: {'; '.join(d['problems'])}" if d.get("problems") else ""))
        print("  (the profilers' own sampling is in these CPU figures)")


def main():
    out = sys.argv[1]
    found = False
    for name, fn in (("load.jsonl", summarize_load), ("perf.script", summarize_perf),
                     ("async-profiler.collapsed", summarize_collapsed)):
        path = os.path.join(out, name)
        if os.path.exists(path) and os.path.getsize(path) > 0:
            fn(path)
            found = True
    if not found:
        print("nothing recorded")


if __name__ == "__main__":
    main()
