#!/usr/bin/env python3
"""End-to-end tests of the linesman binary itself: help, bad input, verify and sql.
Every filter and format is tested against a fixture store in tests/unit/query_cli_test.cpp
(through run_cli); here only what needs the real process: exit codes and stderr."""
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
LINESMAN = os.path.join(BUILD, "linesman")


def run(*args):
    return subprocess.run([LINESMAN, *args], capture_output=True, text=True, timeout=60)


class CliTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_help_documents_exit_codes(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for sub in ("query", "verify", "sql", "config", "status"):
            self.assertIn(sub, r.stdout)
        self.assertIn("3  status: linesmand is not running", r.stdout)
        self.assertIn("4  the event store cannot be read", r.stdout)
        r = run("status", "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for opt in ("--output", "--directory", "text, or json"):
            self.assertIn(opt, r.stdout)
        r = run("query", "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for opt in ("--since", "--until", "--lines", "--reverse", "--type", "--pid", "--exec-id",
                    "--exe", "--user", "--path", "--port", "--addr", "--container", "--output",
                    "--no-color",
                    "--directory"):
            self.assertIn(opt, r.stdout)

    def test_bad_input_is_exit_2_with_a_precise_message(self):
        cases = [
            (["query", "--bogus"], "linesman: The following argument was not expected: --bogus"),
            (["query", "-S", "noon-ish"], 'linesman: --since: "noon-ish" is not a time'),
            (["query", "--addr", "10.0.0.0/33"],
             'linesman: --addr: "10.0.0.0/33" is not an address or network'),
            (["query", "--port", "65536"], 'linesman: --port: "65536" is not a port (0 to 65535)'),
            (["query", "--type", "exec,execve"], 'linesman: --type: "execve" is not an event type'),
            (["query", "-u", "root' OR '1'='1"], "is not a user name or uid"),
            (["query", "-o", "yaml"], 'linesman: -o: "yaml" is not an output format'),
            (["query", "--container", "3f4e*"],
             'linesman: --container: "3f4e*" is not a container id or name'),
        ]
        for args, message in cases:
            # A missing store must not hide bad input: validation comes first.
            r = run(*args, "-D", os.path.join(self.dir, "missing"))
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(message, r.stderr)
            self.assertEqual(r.stdout, "")

    def test_missing_store_is_exit_4(self):
        missing = os.path.join(self.dir, "missing")
        for args in (["query"], ["verify"], ["sql", "SELECT 1"]):
            r = run(*args, "-D", missing)
            self.assertEqual(r.returncode, 4, (args, r.stderr))
            self.assertIn(f"cannot list the event store {missing}", r.stderr)
        r = run("status", "-D", missing)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn(f"cannot read the state directory {missing}: No such file or directory", r.stderr)

    def test_verify_on_an_empty_store(self):
        os.mkdir(os.path.join(self.dir, "events"))
        r = run("verify", "-D", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f"no hour files in {self.dir}/events\n")
        r = run("query", "-D", self.dir)
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_sql_refuses_writes(self):
        # An hour file of this process's making: the guard is the authorizer, not the schema.
        import sqlite3
        events = os.path.join(self.dir, "events")
        os.mkdir(events)
        path = os.path.join(events, "2026-11-26T13.db")
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY, pid INTEGER)")
        db.execute("INSERT INTO events VALUES (1, 42)")
        db.commit()
        db.close()
        r = run("sql", "SELECT seq, pid FROM events", "-D", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "seq\tpid\n1\t42\n")
        for sql, message in [
            ("DELETE FROM events", "DELETE is refused: linesman sql is read-only"),
            ("DROP TABLE events", "CREATE, DROP and ALTER are refused"),
            ("ATTACH '/tmp/linesman-e2e-evil.db' AS evil", "ATTACH is refused"),
            ("PRAGMA writable_schema = 1", "PRAGMA writable_schema = 1 is refused"),
            ("SELECT load_extension('/tmp/x.so')", "load_extension() is refused"),
        ]:
            r = run("sql", sql, "-D", self.dir)
            self.assertEqual(r.returncode, 2, (sql, r.stderr))
            self.assertIn(message, r.stderr)
        self.assertFalse(os.path.exists("/tmp/linesman-e2e-evil.db"))
        db = sqlite3.connect(path)
        self.assertEqual(db.execute("SELECT count(*) FROM events").fetchone()[0], 1)
        db.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
