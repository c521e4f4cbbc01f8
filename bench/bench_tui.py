"""The app on a large workspace: time to the first full screen, and from a keypress to the redrawn screen.

Drives the real app headless with Textual's Pilot on a workspace of --records evidence records (built once by
bench_status.py's builder and kept with --keep). Targets (issue "The Textual workbench"): first paint under 1.5 s
on 100,000 records, a keypress to the redrawn screen under 100 ms when moving through lists and opening a control.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()  # before the app and its libraries are imported, as when a user starts it

from textual.widgets import DataTable  # noqa: E402

from workbench.tui.app import make_app  # noqa: E402
from workbench.tui.controls import ControlDetailScreen, ControlsScreen  # noqa: E402
from workbench.tui.dashboard import DashboardScreen  # noqa: E402


async def settle(app: Any, pilot: Any) -> None:
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


class FrameClock:
    """Notes when the app hands each frame to the terminal, so a key's latency is measured to its last frame and
    not to the moment Pilot notices the app is idle (Pilot's own wait is tens of milliseconds)."""

    def __init__(self, app: Any) -> None:
        self.frames: list[tuple[float, float]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append((time.perf_counter(), time.process_time()))

        app._display = display

    def since(self, clock: float) -> float:
        """Seconds from ``clock`` to the last frame drawn after it (0 when none was)."""
        after = [wall for wall, _cpu in self.frames if wall >= clock]
        return (after[-1] - clock) if after else 0.0

    def cpu_since(self, clock: float, cpu: float) -> float:
        """CPU seconds this process spent (all threads) from ``clock`` to the last frame drawn after it: the
        latency on a machine with nothing else running."""
        after = [frame_cpu for wall, frame_cpu in self.frames if wall >= clock]
        return (after[-1] - cpu) if after else 0.0


async def measure(path: Path) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {
        "first_paint": [],
        "baseline": [],
        "move": [],
        "open_list": [],
        "open_control": [],
        "move_frame": [],
        "open_list_frame": [],
        "open_control_frame": [],
        "open_list_cpu": [],
        "open_control_cpu": [],
    }
    started = STARTED
    app = make_app(path)
    frames = FrameClock(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen) and app.screen.summary is not None
        figures["first_paint"].append(time.perf_counter() - started)
        for _ in range(10):  # what Pilot itself costs: a key nothing is bound to, and the wait for idle
            clock = time.perf_counter()
            await pilot.press("f12")
            await pilot.pause()
            figures["baseline"].append(time.perf_counter() - clock)
        for _ in range(5):
            clock, cpu = time.perf_counter(), time.process_time()
            await pilot.press("c")
            await settle(app, pilot)
            assert isinstance(app.screen, ControlsScreen)
            figures["open_list"].append(time.perf_counter() - clock)
            figures["open_list_frame"].append(frames.since(clock))
            figures["open_list_cpu"].append(frames.cpu_since(clock, cpu))
            table = app.screen.query_one("#controls-table", DataTable)
            assert table.row_count > 0
            for _ in range(10):
                clock = time.perf_counter()
                await pilot.press("down")
                await pilot.pause()
                figures["move"].append(time.perf_counter() - clock)
                figures["move_frame"].append(frames.since(clock))
            clock, cpu = time.perf_counter(), time.process_time()
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ControlDetailScreen)
            figures["open_control"].append(time.perf_counter() - clock)
            figures["open_control_frame"].append(frames.since(clock))
            figures["open_control_cpu"].append(frames.cpu_since(clock, cpu))
            await pilot.press("escape", "escape")
            await pilot.pause()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/bench100k"), help="The workspace (built if missing).")
    args = parser.parse_args()
    if not (args.keep / "workspace.yaml").exists():
        builder = Path(__file__).with_name("bench_status.py")
        subprocess.run(  # noqa: S603 - our own bench script
            [sys.executable, str(builder), "--records", str(args.records), "--keep", str(args.keep)], check=True
        )
    figures = asyncio.run(measure(args.keep))
    print(f"workspace {args.keep} (as built by bench_status.py with {args.records:,} records)")
    print(f"first full screen (dashboard with its summary): {figures['first_paint'][0]:.3f} s (target < 1.5 s)")
    for name, label in (
        ("baseline", "a key bound to nothing (Pilot's floor)"),
        ("move", "cursor down in the control list"),
        ("open_list", "'c': the control list, loaded"),
        ("open_control", "Enter: a control in full, loaded"),
        ("move_frame", "cursor down: key to its last frame"),
        ("open_list_frame", "'c': key to the list's last frame"),
        ("open_control_frame", "Enter: key to the control's last frame"),
        ("open_list_cpu", "'c': CPU spent to the last frame"),
        ("open_control_cpu", "Enter: CPU spent to the last frame"),
    ):
        values = sorted(figures[name])
        print(
            f"{label:>36}: median {statistics.median(values) * 1000:6.1f} ms, worst {values[-1] * 1000:6.1f} ms "
            f"over {len(values)} (target < 100 ms)"
        )
    print("first paint counts from before the app's imports: importing, opening the workspace, the summary")
    print("'loaded' figures include Pilot's wait for idle; 'last frame' figures end when the last frame is drawn")


if __name__ == "__main__":
    main()
