#!/usr/bin/env python3
"""Side-by-side overhead of linesmand on a workload, as ratios.

Interleaves runs without and with the agent (A B A B ...), so that a noisy,
shared machine affects both alike, and reports the median and spread of the
per-pair throughput ratio (with / without). Writes build/bench/report.md.

The file modes (open-watched, open-unwatched) run in a fresh tmpfs (an open on
the ext4 root costs 100-200 us and would hide the sensor's cost), with the
agent configured to watch and content-track only <tmpfs>/watched/.
"""
import argparse
import collections
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

FILE_MODES = {"open-watched": "watched", "open-unwatched": "unwatched"}
OP_RE = re.compile(r'"file":\{"op":"([^"]*)"')


def workload(binary, mode, seconds, workdir=None):
    """Runs the workload; returns (ops, ops/s)."""
    argv = [binary, mode, str(seconds)] + ([workdir] if workdir else [])
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {r.returncode}: {r.stderr.strip()}")
    out = r.stdout.split()
    return int(out[1]), float(out[3])


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


def count_events(path):
    """File events by op, loss events, and the writes they say were lost.

    Each lost write is counted once under what="file_write" (a lost CLOSE, or a
    CLOSE whose OPEN was lost); lost OPEN records ("file") are not writes."""
    ops = collections.Counter()
    losses, lost = 0, 0
    with open(path, errors="replace") as f:
        for line in f:
            if '"type":"file"' in line:
                m = OP_RE.search(line)
                ops[m.group(1) if m else "?"] += 1
            elif '"type":"loss"' in line:
                losses += 1
                try:
                    loss = json.loads(line).get("loss", {})
                except ValueError:
                    continue
                if loss.get("what") == "file_write":
                    lost += int(loss.get("count", 0))
    return ops, losses, lost


class Tmpfs:
    """A fresh tmpfs with watched/ and unwatched/, unmounted on exit."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="linesman-bench-")
        self.mounted = False

    def __enter__(self):
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0755",
                            "linesman-bench", self.path], check=True)
            self.mounted = True
            for sub in FILE_MODES.values():
                os.mkdir(os.path.join(self.path, sub))
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc):
        if self.mounted:
            if subprocess.run(["umount", self.path]).returncode != 0:
                subprocess.run(["umount", "-l", self.path])
            self.mounted = False
        try:
            os.rmdir(self.path)
        except OSError as e:
            print(f"bench: could not remove {self.path}: {e}", file=sys.stderr)
        return False


def write_files_config(outdir, root):
    watched = os.path.join(root, "watched") + "/"
    path = os.path.join(outdir, "files.yaml")
    with open(path, "w") as f:
        f.write("# written by tests/bench/bench.py for the file modes\n"
                "files:\n"
                f"  watch: [{json.dumps(watched)}]\n"
                "  content:\n"
                f"    track: [{json.dumps(watched)}]\n")
    return os.path.abspath(path)


def start_agent(args, events_file, config):
    if os.path.exists(events_file):
        os.unlink(events_file)
    cmd = [os.path.join(args.build, "linesmand"), "-o", "jsonl", "--output-file", events_file]
    if config:
        cmd += ["--config", config]
    agent = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait for the start event: the probes are attached
    deadline = time.time() + 10
    while not (os.path.exists(events_file) and os.path.getsize(events_file) > 0):
        if agent.poll() is not None:
            raise RuntimeError(f"linesmand exited with {agent.returncode} at start: "
                               f"{agent.stderr.read().decode(errors='replace').strip()}")
        if time.time() > deadline:
            stop_agent(agent)
            raise RuntimeError("linesmand wrote no start event within 10 s")
        time.sleep(0.05)
    return agent


def stop_agent(agent):
    if agent.poll() is None:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait()
    agent.stderr.close()


def run_mode(args, binary, outdir, mode, tmpfs):
    events_file = os.path.join(outdir, "events.jsonl")
    workdir = config = None
    if mode in FILE_MODES:
        workdir = os.path.join(tmpfs.path, FILE_MODES[mode])
        config = write_files_config(outdir, tmpfs.path)
    ratios, base, withs = [], [], []
    cpu = 0.0
    peak = 0
    ops_with = 0
    file_ops = collections.Counter()
    losses = lost = 0
    for i in range(args.pairs):
        print(f"\r{mode}: pair {i + 1}/{args.pairs}", end="", file=sys.stderr, flush=True)
        _, a = workload(binary, mode, args.seconds, workdir)
        agent = start_agent(args, events_file, config)
        try:
            cpu0 = cpu_seconds(agent.pid)
            n, b = workload(binary, mode, args.seconds, workdir)
            cpu += cpu_seconds(agent.pid) - cpu0
            peak = max(peak, peak_rss_kib(agent.pid))
        finally:
            stop_agent(agent)
        base.append(a)
        withs.append(b)
        ratios.append(b / a)
        if workdir:
            ops_with += n
            f, l, c = count_events(events_file)
            file_ops += f
            losses += l
            lost += c
    print(file=sys.stderr)
    med = statistics.median(ratios)
    row = (mode, statistics.median(base), statistics.median(withs), med, min(ratios),
           max(ratios), cpu / (sum(withs) * args.seconds) * 1e6, peak)
    events = (mode, ops_with, file_ops, losses, lost) if workdir else None
    return row, events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--modes", default="exec,open-unwatched,open-watched,connect,udp")
    args = ap.parse_args()

    binary = os.path.join(args.build, "tests", "bench", "workload")
    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    modes = args.modes.split(",")
    rows, events = [], []
    try:
        with (Tmpfs() if any(m in FILE_MODES for m in modes)
              else contextlib.nullcontext()) as tmpfs:
            for mode in modes:
                row, ev = run_mode(args, binary, outdir, mode, tmpfs)
                rows.append(row)
                if ev:
                    events.append(ev)
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
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
    if events:
        lines += ["", "File modes: open + write of 64 bytes + close in a tmpfs; the agent "
                  "watches and content-tracks only `watched/`. Events summed over the runs "
                  "with the agent.", "",
                  "| mode | ops | file events | file events / ops | file events by op | loss events "
                  "| writes lost | (events + lost) / ops |",
                  "|---|---|---|---|---|---|---|---|"]
        for mode, ops, by_op, losses, lost in events:
            total = sum(by_op.values())
            detail = ", ".join(f"{k} {v:,}" for k, v in by_op.most_common()) or "—"
            per_op = f"{total / ops:.3f}" if ops else "—"
            accounted = f"{(by_op.get('write', 0) + lost) / ops:.3f}" if ops else "—"
            lines.append(f"| {mode} | {ops:,} | {total:,} | {per_op} | {detail} | {losses:,} "
                         f"| {lost:,} | {accounted} |")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
