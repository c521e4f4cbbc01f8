"""Crash safety: a process adding a large attachment is killed at random moments; the workspace always verifies."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import table_counts
from tests.helpers import control_owned_by
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace, open_workspace

KILLS = 24
#: kills that land after the add finished do not count; on a loaded machine some will
MAX_ATTEMPTS = 80
ADD = "from workbench.cli.main import main; main()"


def _start(workspace: Path, attachment: Path, control: str, index: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            ADD,
            "-w",
            str(workspace),
            "evidence",
            "add",
            "--control",
            control,
            "--attach",
            str(attachment),
            "--note",
            f"attempt {index}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_at_random_moments_leaves_a_workspace_that_verifies(workspace: Workspace, tmp_path: Path) -> None:
    control = control_owned_by("vendor")
    path = workspace.path
    workspace.close()
    attachment = tmp_path / "large.bin"
    with attachment.open("wb") as handle:
        block = bytes(range(256)) * 4096  # 1 MiB
        for i in range(96):
            handle.write(block[i:] + block[:i])

    # One undisturbed run tells how long an add takes here.
    started = time.perf_counter()
    assert _start(path, attachment, control, -1).wait(timeout=120) == 0
    full = time.perf_counter() - started

    rng = random.Random(20261124)  # fixed seed: a failure can be replayed
    killed_while_running = 0
    for index in range(MAX_ATTEMPTS):
        if killed_while_running >= KILLS:
            break
        before = table_counts(path)["evidence"]
        process = _start(path, attachment, control, index)
        try:
            process.wait(timeout=rng.uniform(0.05, full))
        except subprocess.TimeoutExpired:
            killed_while_running += 1
        else:
            full = max(0.2, full * 0.8)  # it finished first: aim earlier next time
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)

        ws = open_workspace(path)
        try:
            report = verify_workspace(ws)
            assert report.ok, (index, report.problems)
            after = table_counts(path)
            # the whole record or none of it
            assert after["evidence"] in (before, before + 1), index
            assert after["evidence_blob"] == after["evidence"] == after["evidence_control"] == after["ledger"]
        finally:
            ws.close()
    assert killed_while_running >= 20, f"only {killed_while_running} kills landed while the add was running"
