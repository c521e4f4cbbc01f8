"""Text from an imported file is shown as it is: never read as markup, never an escape sequence on a terminal,
never a character that breaks an export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import CliRunner
from workbench.workspace import Workspace

HOSTILE_CSV = (
    "Category,Security area,Vendor,Customer\n"
    "Net,Zorp tag [/] closes nothing,x,\n"
    "Net,Qux [link=https://evil.example]click here[/link] area,x,x\n"
    "Net,Red \x1b[31mANSI\x1b[0m title \x1b]0;pwned\x07,,x\n"
)


def test_imported_text_with_markup_and_escape_sequences(workspace: Workspace, cli: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "hostile.csv"
    source.write_text(HOSTILE_CSV, encoding="utf-8")
    imported = cli("-w", workspace.path, "srm", "import", source, "--accept-flagged")
    assert imported.code == 0, imported.err
    assert "\x1b" not in imported.out + imported.err

    listed = cli("-w", workspace.path, "control", "list")
    assert listed.code == 0, listed.err
    flat = " ".join(listed.out.split())
    assert "Zorp tag [/] closes nothing" in flat
    assert "\x1b" not in listed.out and "Red [31mANSI[0m title ]0;pwned" in flat

    ids = sorted({line.split()[0] for line in listed.out.splitlines() if line.strip().startswith("SRM-")})
    assert len(ids) == 3
    titles = []
    for control_id in ids:
        shown = cli("-w", workspace.path, "control", "show", control_id)
        assert shown.code == 0 and "\x1b" not in shown.out, shown.err
        titles.append(shown.out.splitlines()[0])
    assert any("Qux [link=https://evil.example]click here[/link] area" in t for t in titles), "shown, not applied"

    out = tmp_path / "srm.xlsx"
    exported = cli("-w", workspace.path, "srm", "export", "--format", "xlsx", "--out", out)
    assert exported.code == 0, exported.err
    titles = [row[1] for row in load_workbook(out)["SRM"].iter_rows(min_row=2, values_only=True)]
    assert "Zorp tag [/] closes nothing" in titles
    assert cli("-w", workspace.path, "verify").code == 0
