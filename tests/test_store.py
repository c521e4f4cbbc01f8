"""The store: schema versions and migrations, WAL and busy timeout, two processes, streamed blobs."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import CliRunner, snapshot
from tests.helpers import control_owned_by
from workbench.errors import SchemaVersionError, WorkspaceError
from workbench.services.evidence import add_manual_evidence
from workbench.services.verify import verify_workspace
from workbench.store.blobs import _IN_FLIGHT, CHUNK, LocalBlobStore
from workbench.store.database import KNOWN_REVISIONS, SCHEMA_HEAD, _sqlite_engine, current_revision, migrate, open_store
from workbench.workspace import Workspace, open_workspace


def test_known_revisions_match_the_migration_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "workbench.store:migrations")
    scripts = ScriptDirectory.from_config(config)
    walked = [s.revision for s in scripts.walk_revisions()]
    assert tuple(reversed(walked)) == KNOWN_REVISIONS
    assert scripts.get_current_head() == SCHEMA_HEAD


def test_database_records_its_version_and_uses_wal(workspace: Workspace) -> None:
    assert current_revision(workspace.store.engine) == SCHEMA_HEAD
    with sqlite3.connect(workspace.path / "workbench.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with workspace.store.session() as session:
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_older_schema_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    directory = tmp_path / "old"
    directory.mkdir()
    engine = _sqlite_engine(directory / "workbench.db", 5)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO control_exception VALUES ('e1', 'IAM-01', 'why', 'who', '2099-01-01T00:00:00.000000Z', "
                "'2026-01-01T00:00:00.000000Z', 'me')"
            )
        )
    assert current_revision(engine) == "0001"
    engine.dispose()
    store = open_store(directory)
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        with store.session() as session:
            assert session.connection().execute(text("SELECT rationale FROM control_exception")).scalar() == "why"
            indexes = session.connection().exec_driver_sql("PRAGMA index_list('evidence_control')").fetchall()
            assert "ix_evidence_control_control_id" in {row[1] for row in indexes}
    finally:
        store.dispose()


def test_newer_schema_is_refused_with_a_clear_error(workspace: Workspace, cli: CliRunner) -> None:
    path = workspace.path
    workspace.close()
    with sqlite3.connect(path / "workbench.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(SchemaVersionError, match="schema version 0099 was written by a newer workbench"):
        open_store(path)
    result = cli("-w", path, "status")
    assert result.code == 1
    assert result.err.strip() == (
        f"error: {path / 'workbench.db'}: schema version 0099 was written by a newer workbench (this one knows up to "
        f"{SCHEMA_HEAD}); upgrade workbench to open this workspace"
    )


def test_a_database_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "other"
    directory.mkdir()
    (directory / "workbench.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(WorkspaceError, match="not a workbench database"):
        open_store(directory)
    directory2 = tmp_path / "foreign"
    directory2.mkdir()
    with sqlite3.connect(directory2 / "workbench.db") as connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(WorkspaceError, match="records no schema version"):
        open_store(directory2)


def test_blobs_stream_in_constant_memory(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "objects")
    size = 64 * 1024 * 1024

    class Pattern(io.RawIOBase):
        """64 MiB of bytes produced on the fly, so only the store's own buffers count."""

        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
            n = min(len(buffer), self.left)
            buffer[:n] = b"\xab" * n
            self.left -= n
            return n

    expected = hashlib.sha256()
    piece = b"\xab" * (1 << 20)
    for _ in range(64):
        expected.update(piece)
    tracemalloc.start()
    stored = store.put_stream(Pattern())  # type: ignore[arg-type]
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert stored.sha256 == expected.hexdigest() and stored.size == size
    # bounded by the chunks in flight between the hashing and the writing thread (plus the reader's own copies),
    # whatever the size
    assert peak < (_IN_FLIGHT + 6) * CHUNK, f"peak {peak:,} bytes"
    assert peak < size / 4
    assert store.path_for(stored.sha256).stat().st_size == size
    assert list(store.tmp.iterdir()) == []
    again = store.put_stream(io.BytesIO(b"\xab" * 10))
    assert store.put_stream(io.BytesIO(b"\xab" * 10)) == again
    assert sorted(store.iter_stored()) == sorted([stored.sha256, again.sha256])


def test_two_processes_share_a_workspace(workspace: Workspace) -> None:
    control = control_owned_by("vendor")
    script = (
        "import sys; from pathlib import Path; from workbench.workspace import open_workspace; "
        "from workbench.services.evidence import add_manual_evidence\n"
        "ws = open_workspace(Path(sys.argv[1]))\n"
        "for i in range(15): add_manual_evidence(ws, control_ids=[sys.argv[2]], note=f'{sys.argv[3]} {i}')\n"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(workspace.path), control, name])
        for name in ("first", "second")
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    report = verify_workspace(workspace)
    assert report.ok, report.problems
    assert report.records["evidence"] == 30 and report.ledger_entries == 30


def test_database_locked_too_long_is_a_clear_error(
    workspace: Workspace, tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workspace.path
    workspace.close()
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "0.3")
    before = snapshot(path)
    holder = sqlite3.connect(path / "workbench.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        attachment = tmp_path / "fresh.txt"
        attachment.write_text("bytes no blob of the store holds yet")
        result = cli(
            "-w",
            path,
            "evidence",
            "add",
            "--control",
            control_owned_by("vendor"),
            "--attach",
            attachment,
            "--note",
            "x",
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 1
    assert result.err.strip() == (
        "error: the workspace database is busy: another workbench process held it for more than 0.3 s; "
        "try again when it has finished (or raise WORKBENCH_BUSY_TIMEOUT)"
    )
    assert snapshot(path) == before, "no blob of the attachment was stored before the lock was refused"
    assert snapshot(path)[0] == before[0]
    ws = open_workspace(path)
    add_manual_evidence(ws, control_ids=[control_owned_by("vendor")], note="after the lock")
    assert verify_workspace(ws).ok
    ws.close()


def test_a_busy_timeout_that_is_not_a_number_is_refused(
    workspace: Workspace, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "abc")
    result = cli("-w", workspace.path, "status")
    assert result.code == 1
    assert result.err == "error: WORKBENCH_BUSY_TIMEOUT='abc': give a number of seconds, such as 10\n"
