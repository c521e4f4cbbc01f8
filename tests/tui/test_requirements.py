"""Browse: a framework's requirements, the controls that meet each, and on to a control."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Static

from tests.tui.helpers import cells, settle
from workbench.services.evidence import add_manual_evidence
from workbench.services.status import control_statuses
from workbench.tui.app import make_app
from workbench.tui.controls import ControlDetailScreen
from workbench.tui.requirements import ROLL_UP, RequirementsScreen
from workbench.wording import STATUS_LABEL
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def test_frameworks_requirements_controls_and_a_control(workspace: Workspace) -> None:
    add_manual_evidence(workspace, control_ids=["IAM-01"], note="access review")
    catalog = workspace.catalog
    statuses = control_statuses(workspace)

    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RequirementsScreen)
            first = next(iter(catalog.frameworks.values()))
            assert screen.framework_id == first.id
            rows = cells(screen.query_one("#requirements-table", DataTable))
            assert [row[0] for row in rows] == [r.id for r in first.requirements], "every requirement, in order"

            # ']' goes to the next framework; on to SOC 2 and the criterion IAM-01 meets
            while screen.framework_id != "soc2":
                await pilot.press("right_square_bracket")
                await settle(pilot)
            rows = cells(screen.query_one("#requirements-table", DataTable))
            criterion = catalog.controls["IAM-01"].maps["soc2"][0]
            index = [row[0] for row in rows].index(criterion)
            meeting = catalog.controls_for("soc2", criterion)
            assert rows[index][3] == str(len(meeting))
            present = {statuses[c].status for c in meeting}
            worst = next(status for status in ROLL_UP if status in present)
            assert rows[index][4] == STATUS_LABEL[worst.value], "the worst status among its controls"

            table = screen.query_one("#requirements-table", DataTable)
            table.move_cursor(row=index)
            await pilot.pause()
            listed = cells(screen.query_one("#requirement-controls", DataTable))
            assert [row[0] for row in listed] == list(meeting)
            await pilot.press("enter")  # to the controls of the requirement
            await pilot.pause()
            controls = screen.query_one("#requirement-controls", DataTable)
            assert app.focused is controls
            controls.move_cursor(row=list(meeting).index("IAM-01"))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ControlDetailScreen) and app.screen.control_id == "IAM-01"

    asyncio.run(run())


def test_a_requirement_no_control_meets_is_shown_as_unmet(workspace: Workspace) -> None:
    from workbench.catalog.schema import FrameworkFile
    from workbench.services.catalog_entries import add_catalog_entries

    add_catalog_entries(
        workspace,
        frameworks=[
            FrameworkFile.model_validate(
                {
                    "framework": {"id": "own", "title": "Own rules", "version": "1"},
                    "requirements": [{"id": "R1", "title": "A rule nobody meets", "kind": "rule"}],
                }
            )
        ],
        source="test",
    )

    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            app.action_requirements("own")
            await settle(pilot)
            rows = cells(app.screen.query_one("#requirements-table", DataTable))
            assert rows == [["R1", "A rule nobody meets", "rule", "none", "unmet"]]

    asyncio.run(run())


def test_imported_titles_are_shown_as_they_are_never_as_markup(workspace: Workspace) -> None:
    """'[/]' in a title would stop a DataTable from drawing; '[link=...]' would become a link."""
    from workbench.catalog.schema import ControlSpec, FrameworkFile
    from workbench.services.catalog_entries import add_catalog_entries

    hostile = "Zorp [/] and [link=https://evil.example]click[/link]"
    add_catalog_entries(
        workspace,
        frameworks=[
            FrameworkFile.model_validate(
                {
                    "framework": {"id": "own", "title": f"Own {hostile}", "version": "1"},
                    "requirements": [{"id": "R1", "title": hostile, "kind": "rule"}],
                }
            )
        ],
        controls=[
            ControlSpec.model_validate(
                {
                    "id": "OWN-01",
                    "title": hostile,
                    "domain": f"Domain {hostile}",
                    "description": "d",
                    "owner": "vendor",
                    "vendor_part": "v",
                    "customer_part": "c",
                    "cadence": "annual",
                    "maps": {"own": ["R1"]},
                }
            )
        ],
        source="test",
    )

    async def run() -> None:
        app = make_app(workspace.path)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            app.action_controls("own")
            await settle(pilot)
            assert cells(app.screen.query_one("#controls-table", DataTable))[0][:2] == ["OWN-01", hostile]
            app.action_requirements("own")
            await settle(pilot)
            assert cells(app.screen.query_one("#requirements-table", DataTable))[0][1] == hostile
            app.open_control("OWN-01")
            await settle(pilot)
            assert hostile in str(app.screen.query_one("#control-domain", Static).render())
            await pilot.press("d")
            await settle(pilot)
            titles = [row[0] for row in cells(app.screen.query_one("#by-status", DataTable))]
            assert f"Own {hostile}" in titles

    asyncio.run(run())
