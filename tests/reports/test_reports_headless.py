"""The reports package is headless core: importing all of it loads no Textual and does no work."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import workbench.reports


def test_reports_import_without_textual_and_without_work() -> None:
    modules = [f"workbench.reports.{m.name}" for m in pkgutil.iter_modules(workbench.reports.__path__)]
    modules.append("workbench.cli.commands_report")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import workbench.catalog.loader as loader\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
        "sys.exit(1 if loaded or loader._load.cache_info().currsize else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"textual imported or work done at import: {result.stdout} {result.stderr}"
    assert len(modules) >= 15
