"""Every number on the dashboard opens the controls behind it: exactly those the services count."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.tui.helpers import cells, settle
from workbench.services.ownership import responsibilities
from workbench.services.status import STATUS_ORDER, Status, control_statuses
from workbench.tui.app import make_app
from workbench.tui.controls import ControlsScreen
from workbench.tui.dashboard import DashboardScreen
from workbench.tui.evidence import EvidenceListScreen, EvidenceScreen
from workbench.tui.requirements import RequirementsScreen
from workbench.workspace import open_workspace

pytestmark = pytest.mark.slow

SIZE = (140, 45)


def drive(path: Path, script: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    async def run() -> None:
        async with make_app(path).run_test(size=SIZE) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(run())


def listed(pilot: Pilot[None]) -> set[str]:
    screen = pilot.app.screen
    assert isinstance(screen, ControlsScreen)
    return {row[0] for row in cells(screen.query_one("#controls-table", DataTable))}


def heading(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#controls-heading", Static).render())


def cell_offset(table: DataTable[object], row: int, column: int) -> tuple[int, int]:
    """Where a cell is drawn inside its table (header on the first line), for a mouse click."""
    x = sum(c.get_render_width(table) for c in table.ordered_columns[:column]) + 1
    return x, row + 1


def test_the_failing_count_of_a_framework_lists_exactly_its_failing_controls(demo_path: Path) -> None:
    with open_workspace(demo_path) as workspace:
        statuses = control_statuses(workspace)
        soc2 = set(workspace.catalog.controls_in("soc2"))
        owners = {cid: r.owner.value for cid, r in responsibilities(workspace).items()}
    failing = {cid for cid in soc2 if statuses[cid].status is Status.FAILING}
    stale = {cid for cid, s in statuses.items() if s.status is Status.STALE}
    customer = {cid for cid, owner in owners.items() if owner == "customer"}
    assert failing and stale and customer
    failing_column = 3 + STATUS_ORDER.index(Status.FAILING)

    async def script(pilot: Pilot[None]) -> None:
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen)
        table = dashboard.query_one("#by-status", DataTable)
        soc2_row = table.get_row_index("soc2")
        assert cells(table)[soc2_row][failing_column] == str(len(failing)), "the number on the dashboard"

        # keyboard: arrows to the number, Enter
        table.move_cursor(row=soc2_row, column=0)
        await pilot.press(*["right"] * failing_column, "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ControlsScreen) and screen.framework_id == "soc2"
        assert listed(pilot) == failing
        assert "status failing" in heading(pilot) and "SOC 2" in heading(pilot)
        await pilot.press("x")  # the filter clears: every SOC 2 control again
        await pilot.pause()
        assert listed(pilot) == soc2 and "status" not in heading(pilot)

        # mouse: one click on the stale count of every control
        await pilot.press("escape")
        await settle(pilot)
        every = table.get_row_index("*")
        stale_column = 3 + STATUS_ORDER.index(Status.STALE)
        assert cells(table)[every][stale_column] == str(len(stale))
        await pilot.click("#by-status", offset=cell_offset(table, every, stale_column))
        await settle(pilot)
        assert isinstance(pilot.app.screen, ControlsScreen) and pilot.app.screen.framework_id is None
        assert listed(pilot) == stale and "status stale" in heading(pilot)

        # tab to the owner table: the customer's controls of the library
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("tab")
        owner_table = dashboard.query_one("#by-owner", DataTable)
        assert pilot.app.focused is owner_table
        owner_table.move_cursor(row=owner_table.get_row_index("*"), column=2)  # vendor, customer, ...
        await pilot.press("enter")
        await settle(pilot)
        assert listed(pilot) == customer and "owner customer" in heading(pilot)

        # the kept list forgets the filter when opened plainly
        await pilot.press("escape", "c")
        await settle(pilot)
        assert len(listed(pilot)) == len(statuses) and "owner" not in heading(pilot)

    drive(demo_path, script)


def test_a_count_in_the_heading_opens_its_controls(demo_path: Path) -> None:
    with open_workspace(demo_path) as workspace:
        excepted = {cid for cid, s in control_statuses(workspace).items() if s.status is Status.EXCEPTED}

    async def script(pilot: Pilot[None]) -> None:
        text = str(pilot.app.screen.query_one("#dashboard-heading", Static).render()).splitlines()[1]
        column = text.index(f"{len(excepted)} excepted")
        await pilot.click("#dashboard-heading", offset=(2 + column, 2))  # padding: 1 line, 2 columns
        await settle(pilot)
        assert listed(pilot) == excepted and "status excepted" in heading(pilot)

    drive(demo_path, script)


def test_the_last_runs_failures_list_exactly_its_failing_records(demo_path: Path) -> None:
    with sqlite3.connect(demo_path / "workbench.db") as connection:  # read independently of the services
        (run_id,) = connection.execute("SELECT id FROM collection_run").fetchone()
        query = "SELECT id FROM evidence WHERE run_id = ? AND result = 'fail'"
        failed = {row[0] for row in connection.execute(query, [run_id])}
        recorded = connection.execute("SELECT COUNT(*) FROM evidence WHERE run_id = ?", [run_id]).fetchone()[0]
    assert failed

    async def script(pilot: Pilot[None]) -> None:
        dashboard = pilot.app.screen
        table = dashboard.query_one("#by-run", DataTable)
        assert cells(table)[0][:4] == [run_id[:8], str(recorded), cells(table)[0][2], str(len(failed))]
        await pilot.press("tab", "tab")  # past the tables by status and by owner
        assert pilot.app.focused is table
        await pilot.press("right", "right", "right", "enter")  # run, records, pass, fail
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, EvidenceListScreen) and (screen.run_id, screen.result) == (run_id, "fail")
        assert set(screen.evidence_ids) == failed and len(screen.evidence_ids) == len(failed)
        heading = str(screen.query_one("#evidence-list-heading", Static).render())
        assert f"with result fail: {len(failed)} records" in heading
        await pilot.press("enter")  # the newest failure in full
        await settle(pilot)
        assert isinstance(pilot.app.screen, EvidenceScreen)
        assert pilot.app.screen.evidence_id == screen.evidence_ids[0]
        await pilot.press("escape", "escape")
        await settle(pilot)
        table.move_cursor(row=0, column=1)  # every record of the run
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, EvidenceListScreen) and len(pilot.app.screen.evidence_ids) == recorded

    drive(demo_path, script)


def test_the_requirements_count_opens_the_frameworks_requirements(demo_path: Path) -> None:
    with open_workspace(demo_path) as workspace:
        hipaa = [r.id for r in workspace.catalog.frameworks["hipaa"].requirements]

    async def script(pilot: Pilot[None]) -> None:
        table = pilot.app.screen.query_one("#by-status", DataTable)
        table.move_cursor(row=table.get_row_index("hipaa"), column=0)
        await pilot.press("right", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RequirementsScreen) and screen.framework_id == "hipaa"
        assert [row[0] for row in cells(screen.query_one("#requirements-table", DataTable))] == hipaa

    drive(demo_path, script)
