"""`soundalike radio --interactive` in a real pseudo-terminal, and `radio --tags`."""

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from cli_run import run

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """A child process on the slave side of a real pty; we type on the master."""

    def __init__(self, argv: list[str]):
        self.master, slave = pty.openpty()
        env = {**os.environ, "PYTHONPATH": str(ROOT.parent), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     env=env, close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60.0) -> str:
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {text!r}; got:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    if self.proc.poll() is not None and text not in self.seen:
                        raise AssertionError(f"exited before {text!r}:\n{self.seen}") from None
        return self.seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(30)
        finally:
            os.close(self.master)


def test_interactive_radio_reads_single_keys_in_a_terminal(db, lib):
    term = Terminal([sys.executable, "-m", "soundalike", "--db", db, "radio",
                     lib.paths["Alpha", "A1", 0], "--interactive", "--random-seed", "3",
                     "--window", "3", "--artist-spacing", "0"])
    try:
        term.expect("keys: s skip")
        term.expect("▶ ")
        term.type("s")                       # one key, no Enter: the terminal is in cbreak
        out = term.expect("skipped ")
        term.expect("after you skipped 1 ")  # the refilled tracks say why
        term.type("m")
        term.expect("more like ")
        term.type("l")
        term.expect("less like ")
        term.type("\r")
        term.type("q")
        out = term.expect("bye")
        n_on = out.count("▶ ")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert n_on >= 4                           # first, after s, after l, after Enter
    assert "Traceback" not in out


def test_interactive_needs_a_terminal(capsys, db, lib):
    code, _out, err = run(capsys, "--db", db, "radio", lib.paths["Alpha", "A1", 0],
                          "--interactive")
    assert code == 2 and "--interactive needs a terminal" in err


def test_radio_from_mood_words(capsys, db):
    code, out, err = run(capsys, "--db", db, "radio", "--tags", "electronic, instrumental",
                         "--tempo", "90-150", "--energy", "0.5", "-n", "6")
    assert code == 0, err
    assert [ln[:3] for ln in out.splitlines()] == ["1. ", "2. ", "3. ", "4. ", "5. ", "6. "]
    code, _out, err = run(capsys, "--db", db, "radio", "--tags", "calm, banjo")
    assert code == 1 and "unknown mood word “banjo”" in err and "Known words:" in err
    assert "Traceback" not in err
    code, _out, err = run(capsys, "--db", db, "radio")
    assert code == 2 and "--tags" in err
    code, _out, err = run(capsys, "--db", db, "radio", "--tags", "rock", "--tempo", "fast")
    assert code == 2 and "tempo range" in err
