"""`workbench srm import` of a large XLSX matrix (default 2,000 rows): preview, apply and verify, end to end."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

CATEGORIES = ["Platform", "Ingestion", "Storage", "Identity", "Network", "Operations", "Governance", "Recovery"]
NOUNS = ["widget", "gadget", "sprocket", "gizmo", "doohickey", "contraption", "flange", "ratchet", "bracket", "lever"]
VERBS = ["Hardening", "Monitoring", "Retention", "Tuning", "Escrow", "Inventory", "Rotation", "Sampling", "Audit"]
MARKS = [("✓", ""), ("", "✓"), ("✓ (provides)", "✓ (applies)"), ("✓ (requirements)", "✓ (implementation)")]


def build(path: Path, rows: int, *, revision: int = 0) -> None:
    """A matrix with made-up areas, flattened categories (left empty below the first row of each) and marks."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Matrix"
    sheet.append(["Category", "Security area", "Vendor responsibility", "Customer responsibility", "Notes"])
    per_category = rows // len(CATEGORIES) + 1
    for index in range(rows):
        category = CATEGORIES[index // per_category]
        first = index % per_category == 0
        verb, noun = VERBS[index % len(VERBS)], NOUNS[(index // len(VERBS)) % len(NOUNS)]
        area = f"{verb} of {noun} batch {index:05d} in zone {index % 37}"
        vendor, customer = MARKS[(index + revision) % len(MARKS)]
        sheet.append([category if first else None, area, vendor, customer, f"note {index}"])
    book.save(path)


def run(workbench: str, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([workbench, *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    workbench = str(Path(sys.executable).with_name("workbench"))
    with tempfile.TemporaryDirectory(prefix="bench-srm-import-") as scratch:
        root = Path(scratch)
        matrix = root / "matrix.xlsx"
        started = time.perf_counter()
        build(matrix, args.rows)
        print(
            f"built a {args.rows:,}-row XLSX matrix ({matrix.stat().st_size / 1e3:,.0f} kB) in "
            f"{time.perf_counter() - started:.2f} s"
        )
        ws = str(root / "ws")
        subprocess.run([workbench, "-w", ws, "init", "--org", "Bench"], check=True, capture_output=True)

        preview_json, _ = run(workbench, "-w", ws, "srm", "import", str(matrix), "--preview", "--json")
        print(f"`srm import --preview --json`, whole command:  {preview_json:.2f} s")
        preview_table, _ = run(workbench, "-w", ws, "srm", "import", str(matrix), "--preview")
        print(f"`srm import --preview` (rich table):           {preview_table:.2f} s")
        apply, out = run(workbench, "-w", ws, "srm", "import", str(matrix), "--accept-flagged", "--json")
        print(f"`srm import --accept-flagged` (apply):         {apply:.2f} s (target < 3 s)")
        verify, _ = run(workbench, "-w", ws, "verify")
        print(f"`verify` afterwards:                           {verify:.2f} s")
        status, _ = run(workbench, "-w", ws, "status")
        print(f"`status` afterwards:                           {status:.2f} s")
        written = json.loads(out)["written"]
        print(f"written: {len(written['new_controls']):,} new controls, {written['requirements']:,} requirements")

        revised = root / "matrix-v2.xlsx"
        build(revised, args.rows, revision=1)
        again, out = run(workbench, "-w", ws, "srm", "import", str(revised), "--accept-flagged", "--json")
        written = json.loads(out)["written"]
        print(
            f"re-import of a revised matrix (every row matched to the controls the first import made): {again:.2f} s, "
            f"{len(written['owner_changes']):,} owner changes, {len(written['new_controls']):,} new controls"
        )


if __name__ == "__main__":
    main()
