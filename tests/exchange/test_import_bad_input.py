"""Untrusted files given to 'workbench srm import': a clear one-line error each, and the store left unchanged."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import CliRunner, snapshot
from tests.exchange.workbooks import write_csv, write_xlsx
from workbench.exchange import tables
from workbench.workspace import Workspace

MATRIX = "Category,Area,Vendor,Customer\nOps,Rotation of signing keys,✓,\n,Review of signing keys,,✓\n"


def _text_xlsx(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    path.write_text(MATRIX)
    return path


def _binary_csv(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    path.write_bytes(b"Category,Area\x00\x01\x02\xff\xfe binary \x00 junk")
    return path


def _zip_csv(tmp: Path) -> Path:
    return write_xlsx(tmp / "matrix.csv", {"Matrix": [["Category", "Area", "Vendor", "Customer"]]})


def _undecodable(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    path.write_bytes(b"Category,Area,Vendor,Customer\nOps,Rotation \x81\x8d\x8f of keys,x,\n")
    return path


def _bad_utf16(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    path.write_bytes(b"\xff\xfe" + "Category,Area".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    return path


def _many_members(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(tables.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"xl/part{index}.xml", "")
    return path


def _ratio_bomb(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (12 * 1024 * 1024))
    return path


def _size_bomb(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in range(2):
            with archive.open(f"xl/worksheets/sheet{part}.xml", "w", force_zip64=True) as member:
                for _ in range(tables.MAX_ZIP_UNCOMPRESSED // len(chunk) // 2 + 1):
                    member.write(chunk)
    return path


def _damaged_zip(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    return path


def _not_a_workbook(tmp: Path) -> Path:
    path = tmp / "matrix.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "a zip, but no workbook inside")
    return path


def _oversize(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    with path.open("wb") as handle:
        handle.write(MATRIX.encode())
        handle.truncate(tables.MAX_FILE_BYTES + 1)
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    path.write_bytes(b"")
    return path


def _blank_lines(tmp: Path) -> Path:
    path = tmp / "matrix.csv"
    path.write_text("\n ,, \n\n")
    return path


def _header_only(tmp: Path) -> Path:
    path = tmp / "matrix.md"
    path.write_text("Intro.\n\n| Category | Area | Vendor | Customer |\n|---|---|---|---|\n\nThe end.\n")
    return path


def _empty_sheet(tmp: Path) -> Path:
    return write_xlsx(tmp / "matrix.xlsx", {"Empty": []})


def _no_header(tmp: Path) -> Path:
    return write_csv(tmp / "matrix.csv", [["Name", "Colour"], ["Widget", "Blue"]])


def _no_table(tmp: Path) -> Path:
    path = tmp / "matrix.md"
    path.write_text("# Security\n\nWe take security seriously. | Not a table |\n")
    return path


def _legacy_xls(tmp: Path) -> Path:
    path = tmp / "matrix.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    return path


def _pdf(tmp: Path) -> Path:
    path = tmp / "matrix.pdf"
    path.write_bytes(b"%PDF-1.7")
    return path


def _missing(tmp: Path) -> Path:
    return tmp / "nowhere.csv"


def _huge_cell(tmp: Path) -> Path:
    return write_csv(tmp / "matrix.csv", [["Category", "Area", "Vendor", "Customer"], ["Ops", "k" * 20_000, "✓", ""]])


BAD_FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("xlsx that is text", _text_xlsx, "matrix.xlsx: not an XLSX workbook"),
    ("csv that is binary", _binary_csv, "matrix.csv: not a text file (binary content"),
    ("csv that is a workbook", _zip_csv, "matrix.csv: not a text file: it is a zip archive"),
    ("neither utf-8 nor cp1252", _undecodable, "not UTF-8 text (byte 43 cannot be decoded) and not Windows-1252"),
    ("broken utf-16", _bad_utf16, "starts with a utf-16 byte-order mark but"),
    ("zip with too many members", _many_members, "files inside the workbook (at most 2,000); refused"),
    ("zip bomb by ratio", _ratio_bomb, "times its size (at most 200); refused as a possible zip bomb"),
    ("zip bomb by size", _size_bomb, "refused as a possible zip bomb"),
    ("damaged zip", _damaged_zip, "not a readable XLSX workbook"),
    ("zip without a workbook", _not_a_workbook, "not a readable XLSX workbook"),
    ("oversize", _oversize, "over the 20 MiB limit for imports"),
    ("empty file", _empty, "matrix.csv: the file is empty"),
    ("only blank cells", _blank_lines, "matrix.csv: the table is empty"),
    ("header without rows", _header_only, "has a header (Category | Area | Vendor | Customer) but no rows"),
    ("workbook with an empty sheet", _empty_sheet, "matrix.xlsx: the table is empty"),
    ("no recognisable header", _no_header, "no recognisable matrix header"),
    ("no table at all", _no_table, "no table found"),
    ("old excel", _legacy_xls, "old binary Excel (.xls) files are not read"),
    ("unsupported type", _pdf, "unsupported file type .pdf"),
    ("missing file", _missing, "nowhere.csv: no such file"),
    ("a cell too long", _huge_cell, "a cell of 20,000 characters"),
]


@pytest.mark.parametrize(("make", "message"), [(m, msg) for _, m, msg in BAD_FILES], ids=[n for n, _, _ in BAD_FILES])
def test_bad_input_is_one_clear_line_and_writes_nothing(
    workspace: Workspace, cli: CliRunner, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    before = snapshot(workspace.path)
    for extra in ((), ("--preview",)):
        result = cli("-w", workspace.path, "srm", "import", path, *extra)
        assert result.code == 1, result.out
        assert message in result.err
        assert result.err.startswith("error: ") and result.err.count("\n") == 1 and "Traceback" not in result.err
    assert snapshot(workspace.path) == before


def test_zip_bounds_are_checked_before_openpyxl_opens_the_file(
    workspace: Workspace, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    result = cli("-w", workspace.path, "srm", "import", _ratio_bomb(tmp_path))
    assert result.code == 1 and "zip bomb" in result.err
    assert opened == []


@pytest.mark.parametrize(
    ("encoding", "prefix", "note"),
    [
        ("utf-8", b"\xef\xbb\xbf", None),
        ("utf-16-le", b"\xff\xfe", None),
        ("utf-16-be", b"\xfe\xff", None),
        ("cp1252", b"", "is not UTF-8 (byte"),
    ],
)
def test_encodings(
    workspace: Workspace, cli: CliRunner, tmp_path: Path, encoding: str, prefix: bytes, note: str | None
) -> None:
    path = tmp_path / "matrix.csv"
    text = "Category,Area,Vendor,Customer\nOps,Rotation of signing keys – café,x,\n,Review of signing keys,,x\n"
    path.write_bytes(prefix + text.encode(encoding))
    result = cli("-w", workspace.path, "srm", "import", path, "--preview", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["columns"]["category"] == "Category"  # no BOM left on the first header
    assert data["rows"][0]["area"] == "Rotation of signing keys – café"
    assert data["rows"][1]["owner"] == "customer"
    if note is None:
        assert data["notes"] == []
    else:
        assert any(note in n and "Windows-1252" in n for n in data["notes"])
        people = cli("-w", workspace.path, "srm", "import", path, "--preview")
        assert "read as Windows-1252 (cp1252)" in people.out


def test_formulas_stay_text_and_their_rows_are_flagged(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "matrix.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Category", "Area", "Vendor", "Customer"])
    sheet.append(["Ops", "Sampling of pipeline telemetry", "✓", ""])
    sheet.append(["", '=HYPERLINK("https://attacker.example/","Review")', "=1+1", ""])
    sheet.append(["", "Escrow of signing keys", '=IF(TRUE,"✓","")', ""])
    book.save(path)
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", path, "--preview", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert any("3 cells hold formulas: read as their text, never evaluated" in n for n in data["notes"])
    hyperlink, escrow = data["rows"][1], data["rows"][2]
    assert hyperlink["area"] == '=HYPERLINK("https://attacker.example/","Review")'
    assert hyperlink["vendor"]["text"] == "=1+1" and hyperlink["action"] == "flagged"
    assert escrow["vendor"]["text"] == '=IF(TRUE,"✓","")' and escrow["action"] == "flagged"
    assert "formula" in escrow["reason"] or "cannot read the vendor cell" in escrow["reason"]
    refused = cli("-w", workspace.path, "srm", "import", path)
    assert refused.code == 1 and "2 flagged rows (3, 4)" in refused.err
    assert snapshot(workspace.path) == before


def test_too_many_rows(workspace: Workspace, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    path = write_csv(tmp_path / "matrix.csv", [["Area", "Owner"]] + [[f"Area {n}", "vendor"] for n in range(5)])
    before = snapshot(workspace.path)
    result = cli("-w", workspace.path, "srm", "import", path)
    assert result.code == 1 and "more than 3 rows; split the file" in result.err
    assert snapshot(workspace.path) == before
