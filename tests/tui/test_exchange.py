"""The exchange from the app: a matrix imported through its preview, exports, and both sides' packets, each journey
checked against the store afterwards."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, DirectoryTree, Input, Select, Static, TabbedContent, TextArea

from tests.conftest import CliRunner, snapshot, table_counts
from tests.exchange.exchange_helpers import make_parties
from tests.exchange.workbooks import seed_matrix, write_xlsx
from tests.reports.conftest import memory_keyring  # noqa: F401 - a fixture, found by pytest here
from tests.tui.helpers import cells, settle
from workbench.exchange.export import COLUMNS
from workbench.exchange.matrix_import import EXISTING, FLAGGED, preview_matrix
from workbench.exchange.packet import verify_packet
from workbench.services.ownership import responsibilities
from workbench.services.verify import verify_workspace
from workbench.tui import exchange_import
from workbench.tui.app import WorkbenchApp, make_app
from workbench.tui.controls import ControlDetailScreen
from workbench.tui.errors import ErrorModal
from workbench.tui.exchange import TABS, ExchangeScreen, FilePicker
from workbench.workspace import Workspace, open_workspace

pytestmark = pytest.mark.slow

SIZE = (120, 40)


def drive(path: Path, script: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run the app on a workspace through ``script``."""

    async def run() -> None:
        async with make_app(path).run_test(size=SIZE) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(run())


async def exchange(pilot: Pilot[None], tab: str = "tab-import") -> ExchangeScreen:
    """Open the exchange with ``e`` and show a tab."""
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ExchangeScreen)
    screen.show_tab(next(name for name, shown in TABS.items() if shown == tab))
    await pilot.pause()
    assert screen.query_one("#exchange-tabs", TabbedContent).active == tab
    return screen


def status(screen: ExchangeScreen, where: str) -> str:
    return str(screen.query_one(f"#{where}-status", Static).render())


async def preview(pilot: Pilot[None], screen: ExchangeScreen, path: str) -> DataTable[Any]:
    screen.query_one("#import-path", Input).value = path
    await pilot.press("ctrl+r")
    await settle(pilot)
    return screen.query_one("#import-table", DataTable)


async def to_row(pilot: Pilot[None], table: DataTable[Any], source_row: int) -> None:
    keys = [key.value for key in table.rows]
    table.move_cursor(row=keys.index(str(source_row)))
    table.focus()
    await pilot.pause()


def test_seed_matrix_preview_shows_every_row_and_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = seed_matrix(tmp_path)
    before = snapshot(workspace.path)

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        table = await preview(pilot, screen, str(path))
        rows = cells(table)
        assert len(rows) == 30 and [row[0] for row in rows] == [str(n) for n in range(66, 96)]
        updates = next(row for row in rows if row[2] == "Data Plane updates")
        assert updates[3:7] == ["✓ (provides)", "✓ (applies)", "shared", "CHG-03 (shared, parts reworded)"]
        assert any(row[6].startswith("NEW SRM-001") for row in rows)
        assert sum(row[6].startswith("FLAGGED") for row in rows) > 0
        assert "30 rows:" in status(screen, "import") and "flagged" in status(screen, "import")
        assert "Every column understood." in str(screen.query_one("#import-columns", Static).render())
        assert pilot.app.focused is table, "the preview is ready for deciding"
        assert table.cursor_row == [row[6].startswith("FLAGGED") for row in rows].index(True), "on the first flagged"
        await pilot.press("ctrl+s")  # rows are still flagged: refused with the reason, nothing written
        await settle(pilot)
        assert "still flagged" in status(screen, "import") and "Nothing was written" in status(screen, "import")

    drive(workspace.path, script)
    assert snapshot(workspace.path) == before


def test_escape_sequences_from_a_file_never_reach_the_terminal(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "matrix.csv"
    path.write_text(
        "Category,Security Area,Vendor Responsibility,Customer Responsibility\nOps,Audit logs\x1b[31m red,✓,\n",
        encoding="utf-8",
    )

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        table = await preview(pilot, screen, str(path))
        assert cells(table)[0][2] == "Audit logs[31m red", "the reader drops control characters"
        assert "\x1b" not in str(screen.query_one("#import-row", Static).render())

    drive(workspace.path, script)


def test_decide_flagged_rows_then_apply_writes_the_import(workspace: Workspace, tmp_path: Path) -> None:
    path = seed_matrix(tmp_path)
    planned = preview_matrix(workspace, path)
    taken = {p.control_id for p in planned.placements if p.action == EXISTING}
    flagged = [p for p in planned.placements if p.action == FLAGGED]
    named = next(p for p in flagged if p.control_id and p.control_id not in taken and p.row.owner is not None)
    skipped = next(p for p in flagged if p is not named)
    outcome: dict[str, Any] = {}

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        table = await preview(pilot, screen, str(path))
        # a flagged row goes to the control it possibly matches: i, the id, Enter
        await to_row(pilot, table, named.row.source_row)
        await pilot.press("i", *named.control_id.lower(), "enter")
        await settle(pilot)
        row = next(r for r in cells(table) if r[0] == str(named.row.source_row))
        assert row[6].startswith(named.control_id) and "your decision" in row[6]
        # another is skipped: space cycles it (its suggestion, ..., skip)
        await to_row(pilot, table, skipped.row.source_row)
        for _ in range(6):
            shown = next(r for r in cells(table) if r[0] == str(skipped.row.source_row))[6]
            if shown.startswith("skip"):
                break
            await pilot.press("space")
            await settle(pilot)
        assert next(r for r in cells(table) if r[0] == str(skipped.row.source_row))[6].startswith("skip")
        # every other flagged row takes its suggestion
        await pilot.press("a")
        await settle(pilot)
        assert not any(r[6].startswith("FLAGGED") for r in cells(table))
        await pilot.press("ctrl+s")
        await settle(pilot)
        outcome["status"] = status(screen, "import")
        outcome["result"] = screen.importer.imported

    drive(workspace.path, script)
    assert outcome["status"].startswith("Imported supermetal-security.md"), outcome["status"]
    result = outcome["result"]
    assert result is not None and skipped.row.source_row in result.skipped
    assert named.control_id in result.owner_changes and "CHG-03" in result.owner_changes
    reopened = open_workspace(workspace.path)
    try:
        catalog = reopened.catalog
        assert result.framework_id in catalog.frameworks
        assert "SRM-001" in catalog.controls and set(result.new_controls) <= set(catalog.controls)
        owners = responsibilities(reopened)
        assert owners["CHG-03"].owner.value == "shared"
        assert owners["CHG-03"].customer_part == "Applies the Data Plane updates."
        assert named.row.owner is not None and owners[named.control_id].owner == named.row.owner
        assert verify_workspace(reopened).ok
    finally:
        reopened.close()


def test_picked_file_imported_from_the_matrix_which_then_shows_it(workspace: Workspace, tmp_path: Path) -> None:
    seed_matrix(tmp_path)  # the only file in the working directory, where the picker opens

    async def script(pilot: Pilot[None]) -> None:
        app = pilot.app
        await pilot.press("m")
        await settle(pilot)
        matrix = app.screen
        assert not any(row[1].startswith("SRM-") for row in cells(matrix.query_one("#matrix-table", DataTable)))
        screen = await exchange(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, FilePicker)
        tree = app.screen.query_one(DirectoryTree)
        for _ in range(20):  # the tree lists the directory in its own worker
            await pilot.pause()
            if tree.root.children:
                break
        tree.focus()
        await pilot.press("down", "down", "enter")  # the root, the workspace directory, then the file
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#import-path", Input).value == str(tmp_path / "supermetal-security.md")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert status(screen, "import").startswith("Imported"), status(screen, "import")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is matrix
        shown = cells(matrix.query_one("#matrix-table", DataTable))
        assert any(row[1] == "SRM-001" for row in shown), "back on the matrix, the imported controls are there"

    drive(workspace.path, script)


CAIQ_HEADER = ["Question ID", "Question", "SSRM Control Ownership", "CCM Control ID", "CCM Control Title"]
CAIQ_HEADER += ["CCM Control Specification", "CCM Domain Title", "Reviewer initials"]


def test_a_caiq_spreadsheet_becomes_a_framework_once_its_flagged_row_is_accepted(
    workspace: Workspace, tmp_path: Path
) -> None:
    rows = [
        CAIQ_HEADER,
        ["ZZQ-01.1", "Are kettles descaled?", "CSP-owned", "ZZQ-01", "Kettle care", "Kettles are kept clean.", "Tea"],
        ["ZZQ-02.1", "Is the milk fresh?", "CSC-owned", "ZZQ-02", "Milk", "Milk is kept cold.", "Tea", "AB"],
        ["ZZQ-03.1", "Who buys the biscuits?", "Whoever", "ZZQ-03", "Biscuits", "Biscuits are bought.", "Tea"],
    ]
    path = write_xlsx(tmp_path / "our-caiq.xlsx", {"CAIQv4": rows})
    before = snapshot(workspace.path)
    state: dict[str, Any] = {}

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        table = await preview(pilot, screen, str(path))
        message = status(screen, "import")
        assert "CCM/CAIQ framework ccm" in message and "3 controls" in message and "FLAGGED row" in message, message
        assert ["ZZQ-01", "Kettle care", "vendor"] in [row[2:5] for row in cells(table)]
        assert "'Reviewer initials'" in str(screen.query_one("#import-columns", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing was written" in status(screen, "import")
        state["before_accept"] = snapshot(workspace.path)
        await pilot.press("a", "ctrl+s")
        await settle(pilot)
        state["done"] = status(screen, "import")

    drive(workspace.path, script)
    assert state["before_accept"] == before
    assert state["done"].startswith("Imported our-caiq.xlsx as framework ccm"), state["done"]
    reopened = open_workspace(workspace.path)
    try:
        assert "ccm" in reopened.catalog.frameworks
        assert verify_workspace(reopened).ok
    finally:
        reopened.close()


def test_a_file_without_a_matrix_is_refused_in_place(workspace: Workspace, tmp_path: Path) -> None:
    prose = tmp_path / "notes.md"
    prose.write_text("# Notes\n\nNo table in here at all.\n", encoding="utf-8")
    bomb = tmp_path / "matrix.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (12 * 1024 * 1024))
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    cases = [
        (prose, "no table found"),
        (bomb, "zip bomb"),
        (damaged, "not a readable XLSX workbook"),
        (tmp_path / "missing.csv", "no such file"),
    ]
    before = snapshot(workspace.path)

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        for path, reason in cases:
            table = await preview(pilot, screen, str(path))
            message = status(screen, "import")
            assert path.name in message and reason in message and "Nothing was written." in message, message
            assert table.row_count == 0 and screen.importer.preview is None
            assert isinstance(pilot.app.screen, ExchangeScreen), "a user's mistake stays in place, no modal"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.importer.imported is None

    drive(workspace.path, script)
    assert snapshot(workspace.path) == before


@pytest.mark.usefixtures("memory_keyring")
def test_an_unexpected_failure_goes_to_the_error_modal(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = seed_matrix(tmp_path)

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exchange_import, "read_matrix", broken)

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot)
        await preview(pilot, screen, str(path))
        modal = pilot.app.screen
        assert isinstance(modal, ErrorModal) and "RuntimeError: disk on fire" in modal.message
        await pilot.press("escape")
        assert pilot.app.screen is screen
        await pilot.press("ctrl+r")  # the tab is free again
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorModal)

    drive(workspace.path, script)


def test_export_xlsx_and_a_signed_packet(workspace: Workspace, tmp_path: Path) -> None:
    from workbench.reports.identity import create_identity

    create_identity(workspace)
    out = tmp_path / "for-bank.xlsx"
    packet = tmp_path / "for-bank.json"

    async def script(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot, "tab-export")
        screen.query_one("#export-out", Input).value = str(out)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert status(screen, "export").startswith(f"Wrote {out} (xlsx, "), status(screen, "export")
        await pilot.press("ctrl+r")  # the file is there now: refused unless replacing is ticked
        await settle(pilot)
        assert "already exists" in status(screen, "export")
        screen.query_one("#export-format", Select).value = "json"
        await pilot.pause()
        assert "srm-packet-" in screen.query_one("#export-out", Input).placeholder
        screen.query_one("#export-out", Input).value = str(packet)
        await pilot.press("ctrl+r")
        await settle(pilot)
        message = status(screen, "export")
        assert message.startswith(f"Wrote {packet} (json, ") and "signed by" in message, message

    drive(workspace.path, script)
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if row and row[0] == COLUMNS[0])
    assert tuple(header[: len(COLUMNS)]) == COLUMNS
    assert verify_packet(packet).ok


def test_oscal_assessment_results_from_the_palette_entry(workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "results.json"

    async def script(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in (
            "srm: import a matrix",
            "srm: export for a customer",
            "srm: import a customer response",
            "export: OSCAL assessment results",
        ):
            assert title in titles
        assert "srm: respond to the vendor" not in titles, "a vendor workspace does not respond"
        next(c for c in app.get_system_commands(app.screen) if c.title.startswith("export: OSCAL")).callback()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExchangeScreen)
        assert screen.query_one("#exchange-tabs", TabbedContent).active == "tab-export"
        assert screen.query_one("#export-format", Select).value == "oscal-results"
        next(c for c in app.get_system_commands(screen) if c.title == "srm: import a matrix").callback()
        await pilot.pause()
        assert app.screen is screen, "the palette moves the open exchange to the tab"
        assert screen.query_one("#exchange-tabs", TabbedContent).active == "tab-import"
        assert app.focused is screen.query_one("#import-path", Input), "ready to type the path"
        next(c for c in app.get_system_commands(screen) if c.title.startswith("export: OSCAL")).callback()
        await pilot.pause()
        screen.query_one("#export-out", Input).value = str(out)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert status(screen, "export").startswith(f"Wrote {out}")

    drive(workspace.path, script)
    assert '"assessment-results"' in out.read_text(encoding="utf-8")


@pytest.mark.usefixtures("memory_keyring")
def test_customer_and_vendor_exchange_packets_from_the_app(cli: CliRunner, tmp_path: Path) -> None:
    parties = make_parties(cli, tmp_path)
    packet, first, second = tmp_path / "packet.json", tmp_path / "response-1.json", tmp_path / "response-2.json"
    state: dict[str, Any] = {}

    async def vendor_exports(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot, "tab-export")
        screen.query_one("#export-format", Select).value = "json"
        screen.query_one("#export-out", Input).value = str(packet)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert packet.exists(), status(screen, "export")

    async def customer_answers(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "srm: import a vendor packet" in titles and "srm: respond to the vendor" in titles
        screen = await exchange(pilot, "tab-vendor-packet")
        screen.query_one("#packet-path", Input).value = str(packet)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert status(screen, "packet").startswith("Imported vendor packet"), status(screen, "packet")
        rows = cells(screen.query_one("#packet-table", DataTable))
        to_fill = next(row for row in rows if row[3].endswith("(to fill)"))
        state["control"] = to_fill[0]
        await pilot.press("escape")
        app.open_control(to_fill[0])
        await settle(pilot)
        assert isinstance(app.screen, ControlDetailScreen)
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#attest-text", TextArea).text = "We review our side quarterly."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ControlDetailScreen), "the form closed once the attestation was written"
        await pilot.press("escape")
        for out in (first, second):
            screen = await exchange(pilot, "tab-respond")
            await settle(pilot)
            answers = cells(screen.query_one("#respond-table", DataTable))
            assert [state["control"], "attested"] in [[row[0], row[-1]] for row in answers], answers
            assert "attested" in status(screen, "respond")
            screen.query_one("#respond-out", Input).value = str(out)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert status(screen, "respond").startswith(f"Wrote {out}"), status(screen, "respond")
            await pilot.press("escape")

    async def vendor_imports(pilot: Pilot[None]) -> None:
        screen = await exchange(pilot, "tab-response")
        for path in (first, second):
            screen.query_one("#response-path", Input).value = str(path)
            await pilot.press("ctrl+r")
            await settle(pilot)
            state[path.name] = (status(screen, "response"), cells(screen.query_one("#response-table", DataTable)))

    drive(parties.vendor, vendor_exports)
    drive(parties.customer, customer_answers)
    drive(parties.vendor, vendor_imports)
    first_status, first_rows = state[first.name]
    assert "answer" in first_status and "0 conflicts" in first_status, first_status
    assert [state["control"], "imported"] in [row[:2] for row in first_rows]
    second_status, second_rows = state[second.name]
    assert "0 answers imported" in second_status, second_status
    assert [state["control"], "CONFLICT"] in [row[:2] for row in second_rows], "the answer given twice is a conflict"
    assert table_counts(parties.vendor)["evidence"] >= 1, "the answer became evidence in the vendor's store"
    vendor = open_workspace(parties.vendor)
    try:
        assert verify_workspace(vendor).ok
    finally:
        vendor.close()


def test_attest_is_a_customer_key_only(workspace: Workspace) -> None:
    async def script(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        app.open_control("ENC-01")
        await settle(pilot)
        assert "t" not in app.screen.active_bindings, "a vendor workspace has no attestations to make"

    drive(workspace.path, script)


def test_import_preview_snapshot(workspace: Workspace, tmp_path: Path, snap_compare: Any) -> None:
    seed_matrix(tmp_path)  # the working directory: the path typed is relative, so the snapshot is the same anywhere

    async def previewed(pilot: Pilot[None]) -> None:
        await settle(pilot)
        screen = await exchange(pilot)
        await preview(pilot, screen, "supermetal-security.md")
        for _ in range(3):
            await pilot.pause()

    assert snap_compare(make_app(workspace.path), terminal_size=(120, 36), run_before=previewed)
