"""The shared-responsibility matrix screen: areas, sides, filters, and one key that changes an owner in the store."""

from __future__ import annotations

import asyncio

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.tui.helpers import cells, settle
from workbench.catalog import OWNERS
from workbench.services.ownership import responsibilities
from workbench.tui.app import make_app
from workbench.tui.matrix import NO_AREA, MatrixScreen
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def rows(screen: MatrixScreen) -> list[list[str]]:
    return cells(screen.query_one("#matrix-table", DataTable))


def test_matrix_filters_and_one_key_owner_change(workspace: Workspace) -> None:
    catalog = workspace.catalog
    srm_areas = [r for r in catalog.frameworks["srm"].requirements if r.parent]
    placed = {c for c, control in catalog.controls.items() if control.maps.get("srm")}
    seen: dict[str, object] = {}

    async def script(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MatrixScreen)
        everything = rows(screen)
        assert {row[1] for row in everything} == set(catalog.controls)
        assert {row[0] for row in everything if row[0] != NO_AREA} == {f"{a.id} {a.title}" for a in srm_areas}
        for row in everything:  # the side columns follow the owner
            assert (row[2] == "✓") == (row[4] in {"vendor", "shared", "vendor+3rd"})
            assert (row[3] == "✓") == (row[4] in {"customer", "shared"})

        await pilot.press("3")
        await pilot.pause()
        assert {row[4] for row in rows(screen)} <= {"customer", "shared"} and rows(screen)
        await pilot.press("5")
        await pilot.pause()
        assert {row[1] for row in rows(screen)} == set(catalog.controls) - placed
        await pilot.press("2")
        await pilot.pause()
        vendor_rows = rows(screen)
        target = next(row[1] for row in vendor_rows if row[4] == "vendor")
        seen["target"] = target
        table = screen.query_one("#matrix-table", DataTable)
        table.move_cursor(row=[row[1] for row in vendor_rows].index(target))
        await pilot.press("o")
        await settle(pilot)
        assert target not in {row[1] for row in rows(screen)}, "now the customer's, it leaves the vendor filter"
        await pilot.press("1")
        await pilot.pause()
        assert {row[4] for row in rows(screen) if row[1] == target} == {"customer"}

    asyncio.run(_run(workspace, script))
    owner = responsibilities(workspace)[str(seen["target"])]
    assert owner.owner.value == OWNERS[OWNERS.index("vendor") + 1] == "customer" and owner.origin == "workspace"


async def _run(workspace: Workspace, script: object) -> None:
    app = make_app(workspace.path)
    async with app.run_test(size=(140, 40)) as pilot:
        await script(pilot)  # type: ignore[operator]
