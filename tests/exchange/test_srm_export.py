"""``workbench srm export``: XLSX checked cell by cell with openpyxl, CSV, the signed JSON packet, output files."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import CliRunner, snapshot
from tests.exchange.exchange_helpers import load
from tests.helpers import control_owned_by
from workbench.catalog import OWNERS
from workbench.exchange.export import COLUMNS, neutralise
from workbench.services.ownership import set_owner
from workbench.workspace import Workspace

HOSTILE = {
    "vendor_part": '=HYPERLINK("https://attacker.example","click")',
    "customer_part": "+cmd|' /C calc'!A0",
}


@pytest.fixture
def hostile_control(workspace: Workspace) -> str:
    """A shared control whose parts look like formulas (as a careless or hostile edit would leave them)."""
    control_id = control_owned_by("shared")
    set_owner(workspace, control_id, owner="shared", **HOSTILE)
    other = control_owned_by("customer")
    set_owner(workspace, other, owner="customer", vendor_part="-2+3", customer_part="@SUM(A1:A9)")
    return control_id


def test_neutralise_prefixes_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("Encrypts storage") == "Encrypts storage"
    assert neutralise("") == ""
    # after whitespace (a space, a newline, a no-break space) a spreadsheet may still read a formula
    for lead in (" ", "\n", "\u00a0"):
        assert neutralise(f"{lead}=1+1") == f"'{lead}=1+1"
    assert neutralise("red \x1b[31malert\x07") == "red [31malert", "no escape sequence reaches a file"


def test_xlsx_cell_by_cell(cli: CliRunner, workspace: Workspace, hostile_control: str, tmp_path: Path) -> None:
    out = tmp_path / "srm.xlsx"
    result = cli("-w", workspace.path, "srm", "export", "--format", "xlsx", "--out", out)
    assert result.code == 0, result.err
    controls = list(workspace.catalog.controls.values())
    book = load_workbook(out)
    sheet = book["SRM"]
    last = len(controls) + 1
    assert sheet.max_row == last and sheet.max_column == len(COLUMNS)
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:G{last}"
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    owners = validations[0]
    assert owners.type == "list"
    assert owners.formula1 == '"' + ",".join(OWNERS) + '"'
    assert str(owners.sqref) == f"D2:D{last}"
    for row_number, control in enumerate(controls, start=2):
        row = [cell.value for cell in sheet[row_number]]
        assert row[0] == control.id and row[1] == control.title and row[2] == control.domain
        assert row[3] in OWNERS
        for cell in sheet[row_number]:
            assert cell.data_type == "s", f"{cell.coordinate} is {cell.data_type}, not text"
    hostile_row = next(r for r in range(2, last + 1) if sheet.cell(r, 1).value == hostile_control)
    assert sheet.cell(hostile_row, 4).value == "shared"
    # text as it was, marked "quote prefix" so that it stays text when someone edits the cell
    for column, part in ((5, "vendor_part"), (6, "customer_part")):
        cell = sheet.cell(hostile_row, column)
        assert cell.value == HOSTILE[part] and cell.quotePrefix, cell.coordinate
    other_row = next(r for r in range(2, last + 1) if sheet.cell(r, 1).value == control_owned_by("customer"))
    assert (sheet.cell(other_row, 5).value, sheet.cell(other_row, 6).value) == ("-2+3", "@SUM(A1:A9)")
    assert sheet.cell(other_row, 5).quotePrefix and sheet.cell(other_row, 6).quotePrefix
    assert not sheet.cell(other_row, 2).quotePrefix, "ordinary text is left alone"
    requirements = sheet.cell(2, 7).value
    assert isinstance(requirements, str) and ": " in requirements
    # No cell of the file is a formula: the sheet XML holds no <f> element at all.
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml


def test_csv_is_neutralised(cli: CliRunner, workspace: Workspace, hostile_control: str, tmp_path: Path) -> None:
    out = tmp_path / "srm.csv"
    assert cli("-w", workspace.path, "srm", "export", "--format", "csv", "--out", out).code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == len(workspace.catalog.controls) + 1
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[hostile_control][4] == "'" + HOSTILE["vendor_part"]
    assert by_id[hostile_control][5] == "'" + HOSTILE["customer_part"]
    assert by_id[control_owned_by("customer")][4:6] == ["'-2+3", "'@SUM(A1:A9)"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_existing_file_is_kept_without_force(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "srm.csv"
    out.write_text("keep me")
    refused = cli("-w", workspace.path, "srm", "export", "--format", "csv", "--out", out)
    assert refused.code == 1
    assert "already exists" in refused.err and "--force" in refused.err
    assert out.read_text() == "keep me"
    assert cli("-w", workspace.path, "srm", "export", "--format", "csv", "--out", out, "--force").code == 0
    assert out.read_text(encoding="utf-8-sig").startswith("Control,Title")


def test_default_names_land_in_the_current_directory(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    result = cli("-w", workspace.path, "srm", "export", "--format", "xlsx", "--json")
    assert result.code == 0, result.err
    written = Path(result.json()["path"])
    assert written.parent == tmp_path and written.name.startswith("srm-") and written.suffix == ".xlsx"
    assert written.is_file()


def test_json_packet_is_signed_and_recorded(
    cli: CliRunner, workspace: Workspace, tmp_path: Path, memory_keyring: object
) -> None:
    assert cli("-w", workspace.path, "keys", "init").code == 0
    out = tmp_path / "packet.json"
    result = cli("-w", workspace.path, "srm", "export", "--format", "json", "--out", out, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    document = load(out)
    body = document["packet"]
    assert body["kind"] == "srm-packet" and body["format"] == 1 and body["id"] == summary["packet_id"]
    assert body["issuer"] == {
        "workspace_id": workspace.workspace_id,
        "organisation": "Acme Data",
        "system": "Acme Cloud",
        "role": "vendor",
    }
    assert len(body["rows"]) == len(workspace.catalog.controls)
    row = body["rows"][0]
    assert set(row) == {
        "control",
        "title",
        "domain",
        "description",
        "cadence",
        "owner",
        "vendor_part",
        "customer_part",
        "requirements",
    }
    assert document["signature"]["algorithm"] == "ecdsa-sha256"
    assert (
        summary["signer_fingerprint"]
        == cli("-w", workspace.path, "keys", "show", "--json").json()["fingerprint_sha256"]
    )
    verified = cli("-w", workspace.path, "verify", "--json").json()
    assert verified["ok"] and verified["records"]["packet"] == 1


def test_json_packet_needs_a_signing_identity(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    before = snapshot(workspace.path)
    out = tmp_path / "packet.json"
    result = cli("-w", workspace.path, "srm", "export", "--format", "json", "--out", out)
    assert result.code == 1
    assert "keys init" in result.err and "Traceback" not in result.err
    assert not out.exists()
    assert snapshot(workspace.path) == before


def test_signing_options_only_go_with_json(cli: CliRunner, workspace: Workspace, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text("x")
    result = cli("-w", workspace.path, "srm", "export", "--format", "csv", "--key", key, "--cert", key)
    assert result.code == 1 and "json packet" in result.err
