"""Snapshots of the app's screens over a fresh workspace (pinned pytest-textual-snapshot; SVGs beside this file).

Update them with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change, and look at the
SVGs before committing.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from workbench.collectors.aws.runner import Progress
from workbench.services.collection import CollectOptions, RunSummary
from workbench.tui.app import WorkbenchApp, make_app
from workbench.tui.collect import CollectScreen
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow

SIZE = (120, 36)


async def loaded(pilot: Pilot[None]) -> None:
    """Wait for the screen's workers, then for the tables to lay out what they added (column widths follow the
    rows on the next refresh)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


def test_dashboard(workspace: Workspace, snap_compare: Any) -> None:
    assert snap_compare(make_app(workspace.path), terminal_size=SIZE, run_before=loaded)


def test_control_detail(workspace: Workspace, snap_compare: Any) -> None:
    async def open_control(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        pilot.app.open_control("ENC-01")  # type: ignore[attr-defined]
        await loaded(pilot)

    assert snap_compare(make_app(workspace.path), terminal_size=SIZE, run_before=open_control)


def test_controls_filtered(workspace: Workspace, snap_compare: Any) -> None:
    async def filtered(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("c")
        await loaded(pilot)
        await pilot.press("slash", *"customer")
        await pilot.pause()

    assert snap_compare(make_app(workspace.path), terminal_size=SIZE, run_before=filtered)


def test_responsibility_matrix(workspace: Workspace, snap_compare: Any) -> None:
    async def matrix(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("m")
        await loaded(pilot)

    assert snap_compare(make_app(workspace.path), terminal_size=SIZE, run_before=matrix)


class PausedRun:
    """A collection that reports 11 of 29 tasks done, then waits until the screen cancels it (when the app closes)."""

    def __init__(self) -> None:
        self.reported = threading.Event()

    def __call__(
        self, workspace: Workspace, options: CollectOptions, *, progress: Any, cancel: threading.Event, **_: Any
    ) -> RunSummary:
        counts = {"pass": 14, "fail": 5, "info": 1, "error": 1}
        progress(Progress(total=29, done=11, results=counts, current="480917236150 eu-west-1 kms"))
        self.reported.set()
        cancel.wait(timeout=60)
        return RunSummary(
            "0" * 32, "cancelled", ("480917236150",), tuple(options.regions or ()), 41, 29, counts, 57, 42.5, (), 21
        )


def test_collection_in_progress(workspace: Workspace, snap_compare: Any) -> None:
    run = PausedRun()
    ticks = itertools.chain([1000.0], itertools.repeat(1042.5))  # started, then 42.5 s later whenever asked

    async def in_progress(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        screen = CollectScreen(
            app.workspace,
            collector=run,
            clock=lambda: next(ticks),
            now=lambda: datetime(2026, 11, 25, 14, 2, 11, tzinfo=UTC),
        )
        await app.push_screen(screen)
        screen.query_one("#collect-regions", Input).value = "eu-west-1, us-east-1"
        screen.query_one("#collect-workers", Input).value = "8"
        await pilot.press("ctrl+r")
        # the run reports from its thread; wait for it without holding up the app's loop
        assert await asyncio.get_running_loop().run_in_executor(None, run.reported.wait, 30)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(make_app(workspace.path), terminal_size=SIZE, run_before=in_progress)
