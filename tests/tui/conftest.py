"""The demo workspace, built once for the app's tests that only read it (the demo takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.demo import build_demo


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace: manual and collected evidence, owners changed, an exception. Tests must not write to it."""
    return build_demo(tmp_path_factory.mktemp("demo") / "workspace").path
