#!/usr/bin/env python3
"""Side-by-side overhead of linesmand on a workload, as ratios.

Interleaves runs without and with the agent (A B A B ...), so that a noisy,
shared machine affects both alike, and reports the median and spread of the
per-pair throughput ratio (with / without). Writes build/bench/report.md.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time


def workload(binary, mode, seconds):
    out = subprocess.run([binary, mode, str(seconds)], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[3])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--modes", default="exec,connect,udp")
    args = ap.parse_args()

    binary = os.path.join(args.build, "tests", "bench", "workload")
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    events_file = os.path.join(outdir, "events.jsonl")
    rows = []
    for mode in args.modes.split(","):
        ratios, base, withs = [], [], []
        cpu = 0.0
        peak = 0
        for i in range(args.pairs):
            print(f"\r{mode}: pair {i + 1}/{args.pairs}", end="", file=sys.stderr, flush=True)
            a = workload(binary, mode, args.seconds)
            if os.path.exists(events_file):
                os.unlink(events_file)
            agent = subprocess.Popen([os.path.join(args.build, "linesmand"), "-o", "jsonl",
                                      "--output-file", events_file],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # wait for the start event: the probes are attached
            deadline = time.time() + 10
            while time.time() < deadline and not (os.path.exists(events_file) and
                                                  os.path.getsize(events_file) > 0):
                time.sleep(0.05)
            cpu0 = cpu_seconds(agent.pid)
            b = workload(binary, mode, args.seconds)
            cpu += cpu_seconds(agent.pid) - cpu0
            peak = max(peak, peak_rss_kib(agent.pid))
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
            base.append(a)
            withs.append(b)
            ratios.append(b / a)
        print(file=sys.stderr)
        med = statistics.median(ratios)
        rows.append((mode, statistics.median(base), statistics.median(withs), med,
                     min(ratios), max(ratios), cpu / (sum(withs) * args.seconds) * 1e6, peak))
    host = os.uname()
    lines = [f"# Linesman benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
             f"Machine: {host.nodename}, Linux {host.release}, {os.cpu_count()} CPUs. "
             f"{args.pairs} interleaved pairs of {args.seconds:g} s per mode.", "",
             "| mode | ops/s without | ops/s with linesmand | ratio (median) | ratio min..max "
             "| agent CPU s per 1M ops | agent peak RSS |",
             "|---|---|---|---|---|---|---|"]
    for mode, a, b, med, lo, hi, cpu_per_m, peak in rows:
        lines.append(f"| {mode} | {a:,.0f} | {b:,.0f} | {med:.3f} | {lo:.3f}..{hi:.3f} "
                     f"| {cpu_per_m:.1f} | {peak / 1024:.1f} MiB |")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
