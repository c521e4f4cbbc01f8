"""A smoke test as a person would do it: start the app in a real terminal (tmux), type, and read the screen."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


class Terminal:
    """One tmux session on a private server socket."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def type(self, text: str) -> None:
        """Type like a person: one key at a time. (tmux would deliver a string in one burst, faster than anyone
        types, and the keys after '/' would reach the list before the binding has moved focus to the filter.)"""
        for character in text:
            self.tmux("send-keys", "-t", "app", "-l", character)
            time.sleep(0.08)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``text`` shows (the app is a separate process: there is no event to await)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "install tmux (scripts/setup.sh dev does)"
    term = Terminal(f"workbench-test-{tmp_path.name}")
    yield term
    term.tmux("kill-server")


def test_start_browse_open_a_control_and_quit(workspace: Workspace, terminal: Terminal, tmp_path: Path) -> None:
    marker = tmp_path / "exited"
    command = (
        f"{shlex.quote(sys.executable)} -c 'from workbench.cli.main import main; main()' "
        f"-w {shlex.quote(str(workspace.path))}; touch {shlex.quote(str(marker))}; sleep 60"
    )
    terminal.tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "36", command)
    screen = terminal.wait_for("61/61")  # the SOC 2 row, once the summary has loaded
    assert "SOC 2 Trust Services Criteria" in screen and "Controls by owner" in screen and "Acme Data" in screen

    terminal.tmux("send-keys", "-t", "app", "c")
    terminal.wait_for("91 of 91 controls")
    terminal.type("/ENC-01")
    terminal.wait_for("Workbench — 1 of 91 controls")  # not "91 of 91", which also contains "1 of 91"
    terminal.tmux("send-keys", "-t", "app", "Enter")  # the only match opens at once
    screen = terminal.wait_for("Customer's part:")
    assert "ENC-01" in screen and "Status: missing: no evidence recorded" in screen

    terminal.tmux("send-keys", "-t", "app", "q")
    deadline = time.monotonic() + 15
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), f"q did not quit; the screen shows:\n{terminal.screen()}"
    assert "Traceback" not in terminal.screen()


def test_demo_in_a_terminal_opens_the_app_and_a_number_opens_its_controls(terminal: Terminal, tmp_path: Path) -> None:
    marker = tmp_path / "exited"
    target = tmp_path / "demo"
    command = (
        f"{shlex.quote(sys.executable)} -c 'from workbench.cli.main import main; main()' "
        f"demo {shlex.quote(str(target))}; touch {shlex.quote(str(marker))}; sleep 60"
    )
    terminal.tmux("new-session", "-d", "-s", "app", "-x", "140", "-y", "40", command)
    screen = terminal.wait_for("Last collection run: completed", timeout=90)  # built, then opened in the app
    assert "Tallowmere Data · Tallowmere Relay" in screen and "Every control" in screen

    terminal.tmux("send-keys", "-t", "app", *["Right"] * 4, "Enter")  # the failing count of the first framework
    screen = terminal.wait_for("status failing")
    rows = [line for line in screen.splitlines() if re.match(r"^\s+[A-Z]{2,3}-\d\d\s", line)]
    assert rows and all(" failing" in row for row in rows), screen
    assert "x Clear status/owner filter" in screen, "the key bar offers to clear the filter"

    terminal.tmux("send-keys", "-t", "app", "q")
    deadline = time.monotonic() + 15
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), f"q did not quit; the screen shows:\n{terminal.screen()}"
    assert (target / "workspace.yaml").is_file() and "Traceback" not in terminal.screen()
