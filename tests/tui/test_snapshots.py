"""Snapshots of the app's screens over a fresh workspace (pinned pytest-textual-snapshot; SVGs beside this file).

Update them with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change, and look at the
SVGs before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from workbench.tui.app import make_app
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
