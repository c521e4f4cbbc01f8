"""Shared fixtures: real workspaces under tmp_path, and the real CLI run in-process."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from workbench.cli.main import main
from workbench.workspace import Workspace, init_workspace


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


CliRunner = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's workspace or catalog overrides; every test acts as the same person."""
    for name in ("WORKBENCH_WORKSPACE", "WORKBENCH_CONTROLS", "WORKBENCH_BUSY_TIMEOUT", "WORKBENCH_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKBENCH_ACTOR", "tester@example.test")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh vendor workspace."""
    ws = init_workspace(tmp_path / "ws", organisation="Acme Data", system="Acme Cloud")
    yield ws
    ws.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``workbench ARGS...`` in-process through the real entry point; return exit code and output."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def table_counts(path: Path) -> dict[str, int]:
    """Row counts of every table of a workspace database, read with plain sqlite3."""
    with sqlite3.connect(path / "workbench.db") as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: connection.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def stored_objects(path: Path) -> list[str]:
    """Every file under a workspace's objects/ directory, relative."""
    root = path / "objects"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot(path: Path) -> tuple[dict[str, int], list[str], str]:
    """What a failed command must leave unchanged: row counts, stored files and the ledger anchor."""
    anchor = path / "ledger.head"
    return table_counts(path), stored_objects(path), anchor.read_text() if anchor.exists() else ""


def write_file(path: Path, content: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def env_without_workbench() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
