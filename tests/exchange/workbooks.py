"""Building the spreadsheets and text files the import tests feed to 'workbench srm import'."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl

#: seed 004 (a vendor's public BYOC security whitepaper) as given to the project in ../shared/seeds, beside the
#: repository (where CI puts it): prose with the matrix on lines 64-95. It is not ours to ship, so it stays there.
SEED_004 = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "004_3e6f2b1d8145f334.txt"

Cell = str | int | float | None


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Cell]]]) -> Path:
    """Write a workbook with one sheet per entry, rows as given."""
    book = openpyxl.Workbook()
    default = book.active
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    if default is not None:
        book.remove(default)
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[str]], *, encoding: str = "utf-8") -> Path:
    """Write rows as comma-separated text (cells quoted when they hold a comma)."""

    def quoted(cell: str) -> str:
        return f'"{cell}"' if "," in cell or '"' in cell else cell

    path.write_bytes("\n".join(",".join(quoted(c) for c in row) for row in rows).encode(encoding) + b"\n")
    return path


def seed_matrix(tmp_path: Path) -> Path:
    """The whitepaper of seed 004 (a Markdown matrix inside prose), copied where the test may read it."""
    assert SEED_004.is_file(), f"{SEED_004}: the seed whitepapers must sit beside the repository in ../shared"
    target = tmp_path / "supermetal-security.md"
    target.write_bytes(SEED_004.read_bytes())
    return target
