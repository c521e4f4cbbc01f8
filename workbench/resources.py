"""Where the packaged data lives: ``controls/``, ``templates/`` and ``assets/``.

In a built wheel they sit in ``workbench/_data/``; in a source checkout (editable install) they are the top-level
directories of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory of packaged data called ``name`` (``controls``, ``templates`` or ``assets``).

    Raises:
        FileNotFoundError: when neither the wheel location nor the source checkout has it.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"packaged data directory {name!r} is missing from this installation")


def controls_dir() -> Path:
    """Return the directory of catalogs and control library: ``$WORKBENCH_CONTROLS``, else the shipped one."""
    chosen = os.environ.get("WORKBENCH_CONTROLS")
    return Path(chosen) if chosen else data_dir("controls")
