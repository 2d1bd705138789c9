"""Progress: drawn for a person at a terminal, never into a pipe, never with --quiet."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli.progress import TerminalProgress

if TYPE_CHECKING:
    from support.installs import Tools


def test_the_line_shows_bytes_rate_and_time_left() -> None:
    out = io.StringIO()
    bar = TerminalProgress("a.tar.gz", out)
    bar.update(5 << 20, 10 << 20)
    bar.update(10 << 20, 10 << 20)
    bar.close()
    text = out.getvalue()
    assert "\ra.tar.gz: 5.0 MiB / 10.0 MiB" in text
    assert "MiB/s" in text
    assert " left" in text
    assert text.endswith("\n")


def test_redraws_are_throttled_but_the_end_is_always_drawn() -> None:
    out = io.StringIO()
    bar = TerminalProgress("x", out)
    for done in range(1, 1001):
        bar.update(done, 1000)
    assert out.getvalue().count("\r") == 2  # the first update, then the last: none between


def test_an_unknown_size_shows_bytes_and_rate() -> None:
    out = io.StringIO()
    TerminalProgress("x", out).update(3 << 20, None)
    assert "3.0 MiB" in out.getvalue()
    assert "left" not in out.getvalue()


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="pty")
@pytest.mark.parametrize("terminal", [True, False], ids=["tty", "pipe"])
def test_fetch_draws_progress_only_on_a_terminal(
    tmp_path: Path, tools: Tools, terminal: bool
) -> None:
    venv, env = tools
    env = {**venv.environ(env), "CEREBRIUM_CACHE_DIR": str(tmp_path / "cold")}
    command = [
        str(venv.python),
        "-m",
        "cerebrium_cli.bootstrap",
        "fetch",
        "--dest",
        str(tmp_path / "out"),
    ]
    if terminal:
        leader, follower = pty.openpty()
        returncode = subprocess.run(
            command, env=env, stdout=subprocess.PIPE, stderr=follower, timeout=120, cwd=tmp_path
        ).returncode
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
        os.close(leader)
        stderr = drawn.decode(errors="replace")
    else:
        piped = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        returncode, stderr = piped.returncode, piped.stderr
    assert returncode == 0
    if terminal:
        assert "\rcerebrium_cli_linux_amd64.tar.gz: " in stderr
        assert "MiB/s" in stderr
    else:
        assert "\r" not in stderr
        assert "MiB/s" not in stderr
