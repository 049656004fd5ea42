#!/usr/bin/env python3
"""End-to-end tests: the linesmand and linesman binaries, run as an operator would."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
LINESMAND = os.path.join(BUILD, "linesmand")
LINESMAN = os.path.join(BUILD, "linesman")


def run(args, timeout=60, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


class Agent:
    """linesmand in the background, stopped with SIGTERM.

    Each has its own lock file and state directory (the event log) unless the
    test gives them: with the defaults these tests would fail whenever another
    agent runs on the machine (a package install, a benchmark), continue the
    machine's event log and its seq, and leave their events in it."""

    def __init__(self, *args):
        self.tmp = tempfile.TemporaryDirectory()
        if "--lock-file" not in args:
            args = ("--lock-file", os.path.join(self.tmp.name, "linesmand.lock"), *args)
        if "--config" not in args:
            cfg = os.path.join(self.tmp.name, "linesman.yaml")
            with open(cfg, "w") as f:
                f.write(f"state_dir: {self.tmp.name}/state\n")
            args = ("--config", cfg, *args)
        self.proc = subprocess.Popen([LINESMAND, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        self.tmp.cleanup()
        return self.proc.returncode, out, err


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    return None


def read_jsonl(path):
    events = []
    with open(path) as f:
        for line in f:
            events.append(json.loads(line))  # every line must be valid JSON
    return events


class ConfigTests(unittest.TestCase):
    def test_bad_config_names_file_line_and_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("output:\n  format: jsonl\nexec:\n  argv_max: 100000\n")
        r = run([LINESMAND, "--config", f.name])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{f.name}:4: exec.argv_max: 100000 is out of range", r.stderr)
        r = run([LINESMAN, "config", "check", f.name])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{f.name}:4: exec.argv_max", r.stderr)

    def test_unknown_key_is_rejected_with_a_suggestion(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("rollup:\n  treshold: 5\n")
        r = run([LINESMAND, "--config", f.name, "--check-config"])
        self.assertEqual(r.returncode, 1)
        self.assertIn(":2: rollup.treshold", r.stderr)
        self.assertIn("threshold", r.stderr)

    def test_good_config_checks_ok(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("rollup:\n  threshold: 5\n  window: 30s\n")
        r = run([LINESMAND, "--config", f.name, "--check-config"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run([LINESMAN, "config", "check", f.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def test_shipped_config_is_valid(self):
        shipped = os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "linesman.yaml")
        r = run([LINESMAN, "config", "check", shipped])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_missing_explicit_config_is_an_error(self):
        r = run([LINESMAND, "--config", "/nonexistent/linesman.yaml"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/linesman.yaml", r.stderr)

    def test_bad_flag_exits_2(self):
        r = run([LINESMAND, "--no-such-flag"])
        self.assertEqual(r.returncode, 2)


class AgentTests(unittest.TestCase):
    def test_jsonl_file_output_and_clean_stop(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "events.jsonl")
            agent = Agent("-o", "jsonl", "--output-file", out)
            self.assertTrue(wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0),
                            "no agent start event")
            marker = f"linesman-e2e-{os.getpid()}"
            subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL, check=True)

            def seen():
                return [e for e in read_jsonl(out)
                        if e["type"] == "exec" and e["process"]["argv"] == ["/bin/echo", marker]]
            self.assertTrue(wait_for(seen), "exec of the marker not written")
            rc, _, err = agent.stop()
            self.assertEqual(rc, 0, err)

            events = read_jsonl(out)
            seqs = [e["seq"] for e in events]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "seq must be contiguous from 1")
            self.assertEqual(events[0]["type"], "agent")
            self.assertEqual(events[0]["agent"]["what"], "start")
            self.assertIn("tp_btf/sched_process_exec", events[0]["agent"]["message"])
            self.assertEqual(events[-1]["agent"]["what"], "stop")
            ex = seen()[0]
            p = ex["process"]
            self.assertEqual(p["exe"], "/usr/bin/echo")
            self.assertEqual(p["ppid"], os.getpid())
            self.assertEqual(p["cwd"], os.getcwd())
            self.assertEqual(p["uid"], 0)
            self.assertEqual(p["user"], "root")
            self.assertEqual(len(p["execId"]), 16)
            self.assertEqual(p["ancestors"][0], os.path.realpath(sys.executable))
            self.assertEqual(ex["exec"]["filename"], "/bin/echo")
            self.assertEqual(ex["exec"]["argc"], 2)
            self.assertEqual(ex["exec"]["flags"], [])
            self.assertEqual(ex["host"], os.uname().nodename)
            exits = [e for e in events if e["type"] == "exit" and e["process"]["pid"] == p["pid"]
                     and e["process"]["execId"] == p["execId"]]
            self.assertEqual(len(exits), 1)
            self.assertEqual(exits[0]["exit"]["code"], 0)

    def test_config_file_edit_as_jsonl_with_its_diff(self):
        # A watched directory from a config file, an edit by sed -i (write a
        # temporary file, rename it over the original): one rename event whose
        # diff is the edit, as an operator's pipeline would receive it.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as d:
            watched = os.path.join(d, "conf")
            os.mkdir(watched)
            conf = os.path.join(watched, "sshd_config")
            with open(conf, "w") as f:
                f.write("Port 22\nPermitRootLogin no\n")
            cfg = os.path.join(d, "linesman.yaml")
            with open(cfg, "w") as f:
                f.write(f"state_dir: {d}/state\nfiles:\n  watch: [{watched}/]\n"
                        f"  content:\n    track: [{watched}/]\n")
            out = os.path.join(d, "events.jsonl")
            agent = Agent("--config", cfg, "-o", "jsonl", "--output-file", out)
            self.assertTrue(wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0),
                            "no agent start event")
            subprocess.run(["sed", "-i", "s/PermitRootLogin no/PermitRootLogin yes/", conf], check=True)

            def renames():
                return [e for e in read_jsonl(out)
                        if e["type"] == "file" and e["file"]["op"] == "rename"
                        and e["file"]["newPath"] == conf]
            self.assertTrue(wait_for(renames), "no rename event for the sed -i edit")
            rc, _, err = agent.stop()
            self.assertEqual(rc, 0, err)
            ev = renames()[0]
            self.assertEqual(ev["process"]["exe"], "/usr/bin/sed")
            self.assertEqual(ev["process"]["ppid"], os.getpid())
            self.assertTrue(ev["file"]["path"].startswith(watched + "/sed"))
            self.assertEqual(ev["file"]["diff"],
                             f"--- a{conf}\n+++ b{conf}\n@@ -1,2 +1,2 @@\n Port 22\n"
                             "-PermitRootLogin no\n+PermitRootLogin yes\n")
            self.assertEqual(len(ev["file"]["sha256Before"]), 64)
            self.assertNotEqual(ev["file"]["sha256Before"], ev["file"]["sha256After"])
            self.assertEqual(ev["file"]["sizeAfter"], 28)

    def test_sighup_reloads_the_watch_list_and_keeps_it_on_a_broken_file(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as d:
            a, b = os.path.join(d, "a"), os.path.join(d, "b")
            os.mkdir(a)
            os.mkdir(b)
            cfg = os.path.join(d, "linesman.yaml")

            def config(text):
                with open(cfg, "w") as f:
                    f.write(f"state_dir: {d}/state\n" + text)
            config(f"files:\n  watch: [{a}/]\n")
            out = os.path.join(d, "events.jsonl")
            agent = Agent("--config", cfg, "-o", "jsonl", "--output-file", out)
            self.assertTrue(wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0))

            def agent_events(what):
                return [e for e in read_jsonl(out) if e["type"] == "agent" and e["agent"]["what"] == what]

            def writes(path):
                return [e for e in read_jsonl(out) if e["type"] == "file" and e["file"]["op"] == "write"
                        and e["file"]["path"] == path]

            config(f"files:\n  watch: [{b}/]\n")
            agent.proc.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: agent_events("reload")), "no reload event")
            self.assertIn("applied: files watch", agent_events("reload")[0]["agent"]["message"])
            with open(os.path.join(b, "f"), "w") as f:
                f.write("now watched\n")
            self.assertTrue(wait_for(lambda: writes(os.path.join(b, "f"))), "b/ not watched after reload")

            config("files:\n  watch:\n    - relative/\n")
            agent.proc.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: len(agent_events("reload")) == 2), "no second reload event")
            msg = agent_events("reload")[1]["agent"]["message"]
            self.assertIn("configuration not reloaded", msg)
            self.assertIn("linesman.yaml:4: files.watch[0]", msg)
            with open(os.path.join(b, "g"), "w") as f:
                f.write("still watched\n")
            self.assertTrue(wait_for(lambda: writes(os.path.join(b, "g"))), "b/ dropped by a broken reload")
            rc, _, err = agent.stop()
            self.assertEqual(rc, 0, err)
            self.assertIn("reload", err)

    def test_compact_output_on_stdout(self):
        agent = Agent()
        time.sleep(1.0)
        marker = f"compact-marker-{os.getpid()}"
        subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL, check=True)
        time.sleep(0.5)
        rc, out, err = agent.stop()
        self.assertEqual(rc, 0, err)
        lines = [l for l in out.splitlines() if marker in l and " exec " in l]
        self.assertEqual(len(lines), 1, out[-2000:])
        self.assertIn("/usr/bin/echo", lines[0])
        self.assertIn(f"ppid={os.getpid()}", lines[0])
        self.assertNotIn("\x1b[", out, "no colours when stdout is not a terminal")

    def test_second_agent_is_refused_and_the_first_keeps_running(self):
        with tempfile.TemporaryDirectory() as d:
            # A directory that does not exist yet: the agent creates it, 0755.
            lock = os.path.join(d, "run", "linesmand.lock")
            out = os.path.join(d, "events.jsonl")
            first = Agent("--lock-file", lock, "-o", "jsonl", "--output-file", out)
            try:
                self.assertTrue(wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0),
                                "no agent start event")
                self.assertEqual(os.stat(os.path.dirname(lock)).st_mode & 0o777, 0o755)
                with open(lock) as f:
                    self.assertEqual(f.read().strip(), str(first.proc.pid))

                second_out = os.path.join(d, "second.jsonl")
                started = time.monotonic()
                r = run([LINESMAND, "--lock-file", lock, "-o", "jsonl", "--output-file", second_out],
                        timeout=10)
                self.assertLess(time.monotonic() - started, 5.0)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("another linesmand is running", r.stderr)
                self.assertIn(lock, r.stderr)
                self.assertIn(f"pid {first.proc.pid}", r.stderr)
                # Refused before it opened its output or loaded anything.
                self.assertFalse(os.path.exists(second_out))

                self.assertIsNone(first.proc.poll(), "the first agent died")
                marker = f"linesman-lock-{os.getpid()}"
                subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL, check=True)
                self.assertTrue(wait_for(lambda: [e for e in read_jsonl(out) if e["type"] == "exec"
                                                  and e["process"]["argv"] == ["/bin/echo", marker]]),
                                "the first agent stopped reporting")
            finally:
                rc, _, err = first.stop()
            self.assertEqual(rc, 0, err)
            self.assertEqual(read_jsonl(out)[-1]["agent"]["what"], "stop")

            # The lock goes with its holder: a new agent starts on the same file.
            before = len(read_jsonl(out))
            again = Agent("--lock-file", lock, "-o", "jsonl", "--output-file", out)
            self.assertTrue(wait_for(lambda: any(e["type"] == "agent" and e["agent"]["what"] == "start"
                                                 for e in read_jsonl(out)[before:])),
                            "a new agent did not start after the first stopped")
            rc, _, err = again.stop()
            self.assertEqual(rc, 0, err)

    def test_status_of_a_running_agent_then_of_a_killed_one(self):
        started = time.time_ns()
        agent = Agent("-o", "jsonl", "--output-file", os.devnull)
        state = os.path.join(agent.tmp.name, "state")
        status_file = os.path.join(state, "status.json")
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(status_file), timeout=20), "no status.json")
            self.assertEqual(os.stat(status_file).st_mode & 0o777, 0o640)
            execs = 5
            for i in range(execs):
                subprocess.run(["/bin/true", f"linesman-status-{os.getpid()}-{i}"], check=True)

            def status():
                r = run([LINESMAN, "status", "-o", "json", "-D", state])
                j = json.loads(r.stdout) if r.returncode == 0 else None
                # Counted on the next tick, stored within 200 ms of it.
                if j and j["agent"]["events"]["exec"] >= execs and j["log"]["hours"] >= 1:
                    return j
                return None
            j = wait_for(status, timeout=15)
            self.assertIsNotNone(j, run([LINESMAN, "status", "-D", state]).stdout)
            self.assertEqual(j["state"], "running")
            self.assertTrue(j["active"])
            a = j["agent"]
            self.assertEqual(a["pid"], agent.proc.pid)
            self.assertEqual(a["config"], os.path.join(agent.tmp.name, "linesman.yaml"))
            self.assertEqual(a["state_dir"], state)
            self.assertGreater(j["probes_attached"], 0)
            self.assertEqual(j["probes_attached"], sum(p["attached"] for p in a["probes"]))
            exec_probes = [p for p in a["probes"] if p["hook"] == "tp_btf/sched_process_exec"]
            self.assertIn("handle_exec", [p["program"] for p in exec_probes])
            self.assertTrue(all(p["attached"] for p in exec_probes), exec_probes)
            self.assertGreaterEqual(a["events"]["exec"], execs)
            self.assertGreaterEqual(a["events"]["agent"], 1)  # the start event
            self.assertEqual(j["events_total"], sum(a["events"].values()))
            self.assertIn("kernel_ringbuf.exec", a["kernel_losses"])
            self.assertIn("userspace_queue", a["userspace_losses"])
            self.assertTrue(a["store"]["enabled"])
            self.assertGreaterEqual(a["store"]["epoch"], 1)
            self.assertGreaterEqual(j["log"]["hours"], 1)
            self.assertGreater(j["log"]["bytes"], 0)
            self.assertGreaterEqual(j["log"]["last_seq"], execs)
            self.assertLessEqual(j["log"]["last_seq"], j["events_total"])
            now = time.time_ns()
            self.assertTrue(started <= a["started_ns"] <= a["updated_ns"] <= now, a)
            self.assertLessEqual(now - a["updated_ns"], 3 * 10**9, "status.json is not rewritten every second")
            self.assertTrue(started <= j["log"]["oldest_ns"] <= j["log"]["newest_ns"] <= now, j["log"])
            self.assertLessEqual(j["uptime_s"], (now - started) // 10**9 + 1)

            r = run([LINESMAN, "status", "-D", state])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("      Active: running since ", r.stdout)
            self.assertIn(f"         PID: {agent.proc.pid}\n", r.stdout)
            self.assertIn(f"      Probes: {j['probes_attached']} of {j['probes_total']} attached", r.stdout)

            # A reader outside root and the linesman group is told what to do.
            r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                     LINESMAN, "status", "-D", state])
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("permission denied; run as root, or join the linesman group", r.stderr)

            agent.proc.kill()  # SIGKILL: no stop event, no last status
            agent.proc.communicate(timeout=10)
            with open(status_file) as f:
                self.assertEqual(json.load(f)["state"], "running")  # what the file still says
            time.sleep(6)  # past the 5 s a running agent's file may age
            r = run([LINESMAN, "status", "-D", state])
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("NOT RUNNING: no update for ", r.stdout)
            self.assertIn(f"PID: {agent.proc.pid} (at the last update)", r.stdout)
            r = run([LINESMAN, "status", "-o", "json", "-D", state])
            self.assertEqual(r.returncode, 3)
            self.assertEqual(json.loads(r.stdout)["state"], "not_running")
        finally:
            if agent.proc.poll() is None:
                agent.proc.kill()
                agent.proc.communicate()
            agent.tmp.cleanup()

    def test_status_after_a_clean_stop(self):
        agent = Agent("-o", "jsonl", "--output-file", os.devnull)
        state = os.path.join(agent.tmp.name, "state")
        try:
            self.assertTrue(wait_for(lambda: run([LINESMAN, "status", "-D", state]).returncode == 0,
                                     timeout=20), "the agent never showed as running")
            agent.proc.send_signal(signal.SIGTERM)
            _, err = agent.proc.communicate(timeout=30)
            self.assertEqual(agent.proc.returncode, 0, err)
            r = run([LINESMAN, "status", "-o", "json", "-D", state])
            self.assertEqual(r.returncode, 3, r.stderr)
            j = json.loads(r.stdout)
            self.assertEqual(j["state"], "stopped")
            a = j["agent"]
            self.assertFalse(any(p["attached"] for p in a["probes"]))  # detached at stop
            self.assertEqual(a["store"]["queue_depth"], 0)
            # Everything the agent emitted, its stop event included, is in the log.
            self.assertEqual(a["store"]["last_seq"], j["log"]["last_seq"])
            self.assertEqual(a["store"]["last_seq"], j["events_total"])
            self.assertIn("      Active: stopped at ", run([LINESMAN, "status", "-D", state]).stdout)
        finally:
            if agent.proc.poll() is None:
                agent.proc.kill()
                agent.proc.communicate()
            agent.tmp.cleanup()

    def test_not_root_is_refused_with_the_fix(self):
        r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", LINESMAND])
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running as root", r.stderr)
        self.assertIn("sudo", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
