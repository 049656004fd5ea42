#!/usr/bin/env python3
"""kill -9 of linesmand under heavy load, ROUNDS times in a row on one state
directory, then a clean restart. Asserts what the event log promises:

- `linesman verify` exits 0 (declared gaps and new epochs are not problems);
- every (seq, link) sampled from the log just before a kill is still there, unchanged;
- seqs in the log are unique and strictly increase across hour files;
- each agent run whose start event was committed opened an epoch at that seq;
- every seq an agent printed live is either in the log with the same event (time
  and pid), or inside a gap the log declares; no two runs print the same seq;
- the run after a kill reports an `unclean_stop` loss whose count is at least the
  number of events the killed run printed live and the log lacks (an upper bound:
  it includes reserved seqs that were never used).

Usage: kill_e2e.py BUILD_DIR [ROUNDS]   (tests/e2e/run.sh runs 3, make soak 20)
"""
import glob
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
LINESMAND = os.path.join(BUILD, "linesmand")
LINESMAN = os.path.join(BUILD, "linesman")
WORKLOAD = os.path.join(BUILD, "tests", "bench", "workload")


def read_jsonl(path):
    """The events a killed agent wrote: its last line may be cut off."""
    events = []
    with open(path) as f:
        for line in f:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return events


def hour_files(state):
    return sorted(glob.glob(os.path.join(state, "events", "*.db")))


def query(path, sql):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def sample_links(state, rng, n=40):
    """A sample of committed (seq, link), the newest included, read while the
    agent writes (WAL readers see the last committed transaction)."""
    out = {}
    for path in hour_files(state):
        rows = query(path, "SELECT seq, link FROM events")
        for seq, link in rng.sample(rows, min(n, len(rows))) + rows[-3:]:
            out[seq] = bytes(link)
    return out


class KillLoop(unittest.TestCase):
    def test_kill_9_under_load_then_restart(self):
        rng = random.Random()
        seed = rng.randrange(1 << 30)
        rng.seed(seed)
        print(f"kill loop: {ROUNDS} rounds, seed {seed}", flush=True)
        with tempfile.TemporaryDirectory(dir="/var/tmp") as d:
            state = os.path.join(d, "state")
            watched = os.path.join(d, "watched")
            os.mkdir(watched)
            cfg = os.path.join(d, "linesman.yaml")
            with open(cfg, "w") as f:
                f.write(f"state_dir: {state}\nfiles:\n  watch: [{watched}/]\n")
            lock = os.path.join(d, "linesmand.lock")
            # Heavy load for the whole loop: execs, TCP connects, writes in the watched dir.
            load = [subprocess.Popen([WORKLOAD, *args], stdout=subprocess.DEVNULL)
                    for args in (["exec", "3600"], ["connect", "3600"],
                                 ["open-watched", "3600", watched])]
            runs = []  # (output file, killed)
            sampled = {}
            started = time.monotonic()
            try:
                for k in range(ROUNDS + 1):
                    out = os.path.join(d, f"run{k}.jsonl")
                    err = open(out + ".stderr", "w+")
                    agent = subprocess.Popen([LINESMAND, "--lock-file", lock, "--config", cfg,
                                              "-o", "jsonl", "--output-file", out],
                                             stdout=subprocess.DEVNULL, stderr=err)
                    t0 = time.monotonic()
                    last = k == ROUNDS
                    # The kill lands 0.3-2 s after the agent's start event (loading the
                    # probes under this load takes a while; the last run stops cleanly).
                    while not (os.path.exists(out) and os.path.getsize(out) > 0):
                        self.assertIsNone(agent.poll(), f"run {k}: the agent exited")
                        self.assertLess(time.monotonic() - t0, 60, f"run {k}: no start event")
                        time.sleep(0.02)
                    time.sleep(1.5 if last else rng.uniform(0.3, 2.0))
                    if agent.poll() is not None:
                        err.seek(0)
                        self.fail(f"run {k}: the agent exited: {err.read()}")
                    if last:
                        agent.send_signal(signal.SIGTERM)
                        agent.wait(timeout=60)
                        err.seek(0)
                        self.assertEqual(agent.returncode, 0, err.read())
                    else:
                        sampled.update(sample_links(state, rng))
                        agent.send_signal(signal.SIGKILL)
                        agent.wait(timeout=30)
                    err.close()
                    runs.append((out, not last, time.monotonic() - t0))
            finally:
                for p in load:
                    p.kill()
                    p.wait()
            elapsed = time.monotonic() - started

            # verify: the whole chain, every file.
            r = subprocess.run([LINESMAN, "verify", "-D", state], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)

            rows, epochs, gaps, gap_reasons = [], [], [], []
            for path in hour_files(state):
                rows += query(path, "SELECT e.seq, e.time_ns, a.pid, e.link FROM events e "
                                    "JOIN actors a ON a.id = e.actor_id ORDER BY e.seq")
                epochs += query(path, "SELECT epoch, first_seq, reason FROM epochs ORDER BY epoch")
                for a, b, r in query(path, "SELECT g.first_seq, g.last_seq, e.reason FROM gaps g "
                                           "LEFT JOIN epochs e ON e.epoch = g.epoch"):
                    gaps.append((a, b))
                    gap_reasons.append((a, b, r))
            seqs = [r[0] for r in rows]
            self.assertTrue(all(a < b for a, b in zip(seqs, seqs[1:])),
                            "seqs in the log must be unique and increasing across hour files")
            stored = {r[0]: r for r in rows}

            changed = [s for s, link in sampled.items() if s not in stored or bytes(stored[s][3]) != link]
            self.assertEqual(changed, [], f"committed events lost or changed after kill -9 "
                                          f"({len(sampled)} sampled)")

            ep = [e[0] for e in epochs]
            self.assertEqual(ep, sorted(set(ep)), "epochs must be unique and increasing")
            # A run after a kill opens its epoch with the gap it declares.
            open_at = {e[1] for e in epochs if e[2] in ("open", "unclean_stop")}

            def declared(seq):
                """The reason of the declared gap that holds seq, None when none does."""
                return next((r for a, b, r in gap_reasons if a <= seq <= b), None)

            printed_by = {}  # seq -> run
            emitted_total, inflight, trailing = 0, 0, 0
            for k, (out, killed, _) in enumerate(runs):
                events = read_jsonl(out)
                self.assertTrue(events, f"run {k} wrote no event")
                start = events[0]
                self.assertEqual(start["agent"]["what"], "start")
                if start["seq"] in stored:
                    self.assertIn(start["seq"], open_at, f"run {k} opened no epoch at its first seq")
                emitted_total += len(events)
                unstored, after_kill = 0, 0
                for e in events:
                    seq = e["seq"]
                    self.assertNotIn(seq, printed_by, f"seq {seq} printed live by run "
                                                      f"{printed_by.get(seq)} and again by run {k}")
                    printed_by[seq] = k
                    row = stored.get(seq)
                    if row is not None:
                        self.assertEqual((row[1], row[2]), (int(e["timeNs"]), e["process"]["pid"]),
                                         f"run {k}: seq {seq} is stored as another event")
                        continue
                    unstored += 1
                    # A clean run's losses after its last stored event have no later
                    # batch, and no later start here, to declare them (trailing, counted).
                    if not killed and seq > seqs[-1]:
                        trailing += 1
                        continue
                    reason = declared(seq)
                    self.assertIsNotNone(reason, f"run {k}: seq {seq} printed live, "
                                                 "neither stored nor inside a declared gap")
                    after_kill += reason == "unclean_stop"
                inflight += unstored if killed else 0
                if killed:
                    nxt = read_jsonl(runs[k + 1][0])
                    lost = sum(e["loss"]["count"] for e in nxt
                               if e.get("loss", {}).get("where") == "unclean_stop")
                    self.assertGreaterEqual(lost, after_kill,
                                            f"run {k + 1} reports {lost} unclean_stop losses, run {k} "
                                            f"printed {after_kill} events the log lacks")
            unclean = sum(b - a + 1 for a, b, r in gap_reasons if r == "unclean_stop")
            print(f"kill loop: {ROUNDS} kills in {elapsed:.1f} s, {len(seqs)} events stored, "
                  f"{emitted_total} emitted live, {len(sampled)} sampled links intact, "
                  f"{len(epochs)} epochs; printed live by a killed run and not stored: {inflight}, "
                  f"all inside declared gaps ({unclean} seqs declared unclean_stop); no seq reused; "
                  f"clean run: {trailing} lost after the last stored event", flush=True)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
