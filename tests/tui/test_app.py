"""The Textual app driven by Pilot over real workspaces: what is on screen and what the store holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, Tree

from tests.conftest import CliRunner
from tests.tui.helpers import cells, groups, settle
from workbench.clock import utc_now
from workbench.errors import WorkbenchError
from workbench.services.evidence import add_manual_evidence
from workbench.services.exceptions import add_exception
from workbench.tui.app import WorkbenchApp, make_app
from workbench.tui.controls import ControlDetailScreen, ControlsScreen
from workbench.tui.dashboard import DashboardScreen
from workbench.tui.errors import ErrorModal
from workbench.tui.help import HelpScreen
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow

SIZE = (120, 40)


def drive(app: WorkbenchApp, script: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run the app headless, play ``script`` against it, and close it."""

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await script(pilot)

    asyncio.run(run())


def test_dashboard_framework_controls_and_a_control_in_full(workspace: Workspace, tmp_path: Path) -> None:
    proof = tmp_path / "review.txt"
    proof.write_text("Quarterly access review: 14 users removed [bold]not markup[/bold]")
    add_manual_evidence(workspace, control_ids=["IAM-01"], attachments=[proof], note="Q3 access review [red]x[/red]")
    add_exception(
        workspace,
        control_id="LOG-03",
        rationale="Legacy bucket retired in Q1",
        approver="CISO Jane Roe",
        expires_at=utc_now() + timedelta(days=90),
    )
    seen: dict[str, object] = {}

    async def script(pilot: Pilot[None]) -> None:
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen)
        rows = cells(dashboard.query_one("#by-status", DataTable))
        titles = [row[0] for row in rows]
        assert titles[-1] == "Every control", "the last line counts every control of the library"
        assert titles[:-1] == sorted(titles[:-1]) and "SOC 2 Trust Services Criteria" in titles and len(rows) == 5
        soc2 = rows[titles.index("SOC 2 Trust Services Criteria")]
        assert soc2[1] == "61/61" and soc2[3] == "1", "61 criteria mapped, one control passing"
        heading = str(dashboard.query_one("#dashboard-heading", Static).render())
        assert "Acme Data · Acme Cloud" in heading and "1 passing" in heading

        # Enter on the SOC 2 row lists its controls
        table = dashboard.query_one("#by-status", DataTable)
        table.move_cursor(row=titles.index("SOC 2 Trust Services Criteria"))
        await pilot.press("enter")
        await settle(pilot)
        controls = pilot.app.screen
        assert isinstance(controls, ControlsScreen) and controls.framework_id == "soc2"
        listed = cells(controls.query_one("#controls-table", DataTable))
        seen["soc2_controls"] = len(listed)
        assert ["IAM-01", "passing"] == [listed[[r[0] for r in listed].index("IAM-01")][i] for i in (0, 3)]

        # typing in the filter narrows the list; Enter moves to the list, or opens the only match
        await pilot.press("slash", *"iam-0")
        await pilot.pause()
        narrowed = [row[0] for row in cells(controls.query_one("#controls-table", DataTable))]
        assert len(narrowed) > 1 and all(control_id.startswith("IAM-0") for control_id in narrowed)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ControlsScreen) and pilot.app.focused is not None
        assert pilot.app.focused.id == "controls-table"
        await pilot.press("slash", *"iam-01")  # focusing the filter selects its text: typing replaces it
        await pilot.pause()
        filtered = cells(controls.query_one("#controls-table", DataTable))
        assert [row[0] for row in filtered] == ["IAM-01"], controls.query_one("#controls-filter", Input).value
        await pilot.press("enter")
        await settle(pilot)
        detail = pilot.app.screen
        assert isinstance(detail, ControlDetailScreen) and detail.control_id == "IAM-01"
        ownership = str(detail.query_one("#control-ownership", Static).render())
        assert "Owner: vendor" in ownership and "Vendor's part:" in ownership and "Customer's part:" in ownership
        assert "passing" in str(detail.query_one("#control-status", Static).render())
        requirements = cells(detail.query_one("#control-requirements", DataTable))
        assert {row[0] for row in requirements} >= {"soc2", "hipaa", "gdpr"}, "every framework the control meets"
        ((heading, (record,)),) = groups(detail.query_one("#control-evidence", Tree))
        assert heading == "Manual evidence (1 record)"
        assert record.split()[3:5] == ["pass", "manual"]
        assert "[red]x[/red]" in record, "a note's brackets are shown, not taken as markup"

        # Escape goes back; 'c' lists every control; the excepted control shows its exception
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)
        await pilot.press("c")
        await settle(pilot)
        everything = pilot.app.screen
        assert isinstance(everything, ControlsScreen) and everything.framework_id is None
        seen["all_controls"] = everything.query_one("#controls-table", DataTable).row_count
        pilot.app.open_control("LOG-03")  # type: ignore[attr-defined]
        await settle(pilot)
        exceptions = str(pilot.app.screen.query_one("#control-exceptions", Static).render())
        assert "Legacy bucket retired in Q1" in exceptions and "CISO Jane Roe" in exceptions

    drive(make_app(workspace.path), script)
    catalog = workspace.catalog
    assert seen["all_controls"] == len(catalog.controls)
    assert seen["soc2_controls"] == sum(1 for c in catalog.controls.values() if c.maps.get("soc2"))


def test_help_on_question_mark_and_the_command_palette_lists_actions(workspace: Workspace) -> None:
    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)
        titles = [command.title for command in pilot.app.get_system_commands(pilot.app.screen)]
        assert {"dashboard: show", "controls: browse all", "help: keys and areas"} <= set(titles)
        assert "controls: HIPAA Security Rule" in titles

    drive(make_app(workspace.path), script)


def test_a_failure_in_a_worker_is_a_modal_not_a_traceback(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise WorkbenchError("the workspace database is locked by another process")

    monkeypatch.setattr("workbench.tui.dashboard.summarise", broken)

    async def script(pilot: Pilot[None]) -> None:
        modal = pilot.app.screen
        assert isinstance(modal, ErrorModal)
        assert modal.message == "the workspace database is locked by another process"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)

    drive(make_app(workspace.path), script)


def test_tui_on_a_missing_workspace_is_one_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("-w", tmp_path / "nowhere", "tui")
    assert result.code == 1 and result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err


def test_workbench_alone_prints_help_when_not_in_a_terminal(cli: CliRunner) -> None:
    result = cli()
    assert result.code == 0 and "Usage: workbench" in result.out and "opens the app" in result.out


def test_the_kept_control_screen_shows_each_control_afresh(workspace: Workspace, tmp_path: Path) -> None:
    proof = tmp_path / "mfa.txt"
    proof.write_text("root MFA screenshot")
    add_manual_evidence(workspace, control_ids=["IAM-01"], attachments=[proof], note="root MFA")

    async def script(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        app.open_control("IAM-01")
        await settle(pilot)
        first = app.screen
        assert isinstance(first, ControlDetailScreen)
        assert len(groups(first.query_one("#control-evidence", Tree))) == 1
        await pilot.press("escape")
        await pilot.pause()
        app.open_control("NET-05")
        await settle(pilot)
        second = app.screen
        assert second is first, "one screen is kept and pointed at each control"
        assert "NET-05" in str(second.query_one("#control-title", Static).render())
        assert groups(second.query_one("#control-evidence", Tree)) == [], "nothing left from IAM-01"
        requirements = {row[1] for row in cells(second.query_one("#control-requirements", DataTable))}
        expected = {r.id for r in workspace.catalog.requirements_for("NET-05")}
        assert requirements == expected
        app.open_control("IAM-01")  # opened again from the control screen itself: a fresh copy on top
        await settle(pilot)
        assert app.screen is not first and isinstance(app.screen, ControlDetailScreen)
        assert app.screen.control_id == "IAM-01"

    drive(make_app(workspace.path), script)


def test_an_empty_workspace_says_what_to_do_next(workspace: Workspace) -> None:
    async def script(pilot: Pilot[None]) -> None:
        hint = str(pilot.app.screen.query_one("#dashboard-hint", Static).render())
        assert "What to do next" in hint and "a  to attach evidence" in hint and "workbench demo" in hint
        await pilot.press("c")  # the first step it names works
        await settle(pilot)
        assert isinstance(pilot.app.screen, ControlsScreen)

    drive(make_app(workspace.path), script)
