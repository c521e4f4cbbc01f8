"""The core never needs Textual: importing every headless module leaves textual out of sys.modules."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "workbench.catalog",
    "workbench.catalog.coverage",
    "workbench.store",
    "workbench.services.evidence",
    "workbench.services.status",
    "workbench.services.summary",
    "workbench.services.verify",
    "workbench.collectors.registry",
    "workbench.workspace",
    "workbench.cli.main",
]


def test_core_imports_without_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {HEADLESS!r}: importlib.import_module(name)\n"
        "from workbench.cli.main import cli\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"textual was imported: {result.stdout} {result.stderr}"


def test_no_work_at_import() -> None:
    """Importing the CLI opens no database and reads no catalog (STYLE: no work at import)."""
    code = (
        "import sys, workbench.cli.main, workbench.catalog.loader as l\n"
        "sys.exit(0 if l._load.cache_info().currsize == 0 else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
