"""The key bar (one line of hints, clickable) and controls read ahead while the cursor rests on them."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Static, Tree

from tests.tui.helpers import cells, groups, settle
from workbench.services.evidence import add_manual_evidence
from workbench.tui.app import make_app
from workbench.tui.base import StatusCache
from workbench.tui.controls import READ_AHEAD_DELAY, ControlDetailScreen, ControlsScreen
from workbench.tui.dashboard import DashboardScreen
from workbench.tui.keybar import KeyBar
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def test_key_bar_shows_the_screens_keys_and_a_click_presses_one(workspace: Workspace) -> None:
    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            bar = app.screen.query_one(KeyBar)
            text = str(bar.render())
            assert "c Controls" in text and "q Quit" in text and "^p palette" in text
            assert "/ Filter" not in text, "the list's own keys are not shown on the dashboard"
            column = text.index("c Controls")
            assert bar.key_at(column) == "c" and bar.key_at(len(text) + 5) is None
            await pilot.click(KeyBar, offset=(column + 2, 0))
            await settle(pilot)
            assert isinstance(app.screen, ControlsScreen)
            listed = str(app.screen.query_one(KeyBar).render())
            assert listed.startswith(" / Filter") and "esc Back" in listed, "the screen's own keys come first"

    asyncio.run(run())


def test_a_control_read_ahead_is_shown_and_a_later_write_is_not_hidden_by_it(workspace: Workspace) -> None:
    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("c")
            await settle(pilot)
            table = app.screen.query_one("#controls-table", DataTable)
            ids = [row[0] for row in cells(table)]
            table.move_cursor(row=ids.index("IAM-01"))
            await pilot.pause(READ_AHEAD_DELAY * 4)
            await settle(pilot)
            assert isinstance(app, StatusCache) and app.details is not None and "IAM-01" in app.details
            assert app.details["IAM-01"].evidence_total == 0

            # Written behind the app's back (another process): the read-ahead copy is shown first, then the
            # screen reads the control again and shows the new record.
            add_manual_evidence(workspace, control_ids=["IAM-01"], note="written elsewhere")
            await pilot.press("enter")
            await settle(pilot)
            detail = app.screen
            assert isinstance(detail, ControlDetailScreen) and detail.control_id == "IAM-01"
            ((_, records),) = groups(detail.query_one("#control-evidence", Tree))
            assert len(records) == 1 and records[0].endswith("written elsewhere")
            assert "passing" in str(detail.query_one("#control-status", Static).render())
            assert app.details["IAM-01"].evidence_total == 1, "the cache holds what is shown"

            # Opened without a read-ahead (Enter at once after moving): shown in full straight away.
            await pilot.press("escape")
            await pilot.pause()
            table = app.screen.query_one("#controls-table", DataTable)
            table.move_cursor(row=ids.index("LOG-03"))
            await pilot.press("enter")
            await pilot.pause()
            detail = app.screen
            assert isinstance(detail, ControlDetailScreen) and detail.control_id == "LOG-03"
            assert "Loading" not in str(detail.query_one("#control-ownership", Static).render())

    asyncio.run(run())
