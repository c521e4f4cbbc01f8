"""Opening the database: engine, SQLite pragmas, schema version, migrations, and write transactions.

This is the only module that knows the database is SQLite. A PostgreSQL store replaces ``_sqlite_engine`` and the
write lock (``SELECT ... FOR UPDATE`` on the last ledger entry); nothing above changes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, TextClause, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from workbench.errors import InputError, SchemaVersionError, StoreLockedError, WorkspaceError
from workbench.store import ledger
from workbench.store.blobs import BlobStore, LocalBlobStore
from workbench.store.models import LedgerEntry

#: Every schema revision this code knows, oldest first; the last one is what it writes.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
SCHEMA_HEAD = KNOWN_REVISIONS[-1]
DEFAULT_BUSY_TIMEOUT_S = 10.0
DATABASE_NAME = "workbench.db"
ANCHOR_NAME = "ledger.head"


class Store:
    """A workspace's database and blobs.

    Reads use :meth:`session`; every write goes through :meth:`transaction`, which serialises writers across
    processes and appends the ledger entries in the same transaction as the rows they describe.
    """

    def __init__(self, engine: Engine, blobs: BlobStore, *, anchor: Path | None, busy_timeout: float) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(workbench_write=True)
        self.blobs = blobs
        self.anchor = anchor
        self.busy_timeout = busy_timeout

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session (a consistent snapshot)."""
        with _lock_errors(self.busy_timeout), Session(self.engine) as session:
            yield session

    @contextlib.contextmanager
    def transaction(self, actor: str) -> Iterator[Writer]:
        """A write transaction: everything inside commits together with its ledger entries, or not at all."""
        with _lock_errors(self.busy_timeout), Session(self._write_engine, expire_on_commit=False) as session:
            writer = Writer(session, actor)
            with session.begin():
                yield writer
            if writer.last_entry is not None:
                self._write_anchor(writer.last_entry)
            for callback in writer.after_commit:
                callback()

    def check_writable(self) -> None:
        """Take the write lock and let it go at once: fails now, before a caller streams blobs, when another
        process holds the database for longer than the busy timeout or the database cannot be written.

        Raises:
            StoreLockedError: the database stayed locked for the whole busy timeout.
        """
        with _lock_errors(self.busy_timeout), self._write_engine.begin():
            pass  # BEGIN IMMEDIATE took the write lock; leaving the block gives it back, having written nothing

    def _write_anchor(self, entry: LedgerEntry) -> None:
        """Remember the newest ledger entry outside the database, so a truncated ledger is noticed.

        Written after the commit: a crash in between leaves the anchor one step behind, which still verifies.
        """
        if self.anchor is None:
            return
        previous = read_anchor(self.anchor)
        if previous is not None and previous[0] >= entry.seq:
            return
        self.write_anchor_file(entry.seq, entry.entry_hash)

    def write_anchor_file(self, seq: int, entry_hash: str) -> None:
        """Atomically replace the anchor file with ``seq`` and ``entry_hash`` (temp file, fsync, rename)."""
        if self.anchor is None:
            return
        payload = json.dumps({"seq": seq, "entry_hash": entry_hash}).encode()
        temp = self.anchor.with_name(f".{self.anchor.name}.{os.getpid()}.tmp")
        with temp.open("wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.anchor)

    def rows(self, statement: TextClause, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run a read-only SQL statement and return plain tuples (no per-row objects: for scans of many rows).

        The statement is compiled for the engine's dialect, so the same text runs on SQLite and PostgreSQL.
        """
        with _lock_errors(self.busy_timeout), self.engine.connect() as connection:
            compiled = statement.compile(dialect=connection.dialect)
            bound = compiled.construct_params(params)
            args: Any = [bound[name] for name in compiled.positiontup or ()] if compiled.positional else bound
            cursor = connection.connection.cursor()
            try:
                cursor.execute(str(compiled), args)
                return list(cursor.fetchall())
            finally:
                cursor.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class Writer:
    """The handle of one write transaction: add rows, then record them in the ledger."""

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor
        self.last_entry: LedgerEntry | None = None
        #: called once the transaction has committed (e.g. to forget a cache of what was just changed)
        self.after_commit: list[Callable[[], object]] = []

    def add(self, *rows: Any) -> None:
        """Add rows to the transaction."""
        for row in rows:
            self.session.add(row)

    def record(self, *, kind: str, entity_id: str, digest: str) -> LedgerEntry:
        """Append the ledger entry for something written in this transaction."""
        self.session.flush()
        # Within one transaction (which holds the write lock) the last entry is the one this writer appended.
        self.last_entry = ledger.append(
            self.session,
            kind=kind,
            entity_id=entity_id,
            digest=digest,
            actor=self.actor,
            previous=self.last_entry,
        )
        return self.last_entry


def read_anchor(path: Path) -> tuple[int, str] | None:
    """Return (seq, entry_hash) from an anchor file, or None when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["entry_hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def _lock_errors(busy_timeout: float) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        message = str(exc.orig).lower()
        if "locked" in message or "busy" in message:
            raise StoreLockedError(
                f"the workspace database is busy: another workbench process held it for more than {busy_timeout:g} s; "
                "try again when it has finished (or raise WORKBENCH_BUSY_TIMEOUT)"
            ) from None
        if "readonly" in message or "read-only" in message or "unable to open" in message:
            raise WorkspaceError(
                "the workspace cannot be written (a read-only directory or file system?); the workbench needs "
                f"write access to its database even to read it ({exc.orig})"
            ) from None
        raise


def _sqlite_engine(path: Path, busy_timeout: float) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, so writes can take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        # Reads of large workspaces (status over 100,000 records) go faster through a memory map and a larger cache.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start (waiting up to the busy timeout), so a writer never fails
        # half-way because another process wrote in between.
        write = connection.get_execution_options().get("workbench_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def busy_timeout_from_env() -> float:
    """Return the busy timeout in seconds from ``WORKBENCH_BUSY_TIMEOUT``, or the default.

    Raises:
        InputError: the variable is set to something that is not a number of seconds.
    """
    raw = os.environ.get("WORKBENCH_BUSY_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86_400:
        raise InputError(f"WORKBENCH_BUSY_TIMEOUT={raw!r}: give a number of seconds, such as 10")
    return seconds


def open_store(directory: Path, *, create: bool = False, busy_timeout: float | None = None) -> Store:
    """Open (or with ``create``, create) the store of a workspace directory, migrating an older schema.

    Raises:
        WorkspaceError: the database is missing or is not a workbench database.
        SchemaVersionError: the database was written by a newer workbench.
        StoreLockedError: another process holds the database for longer than the busy timeout.
    """
    timeout = busy_timeout_from_env() if busy_timeout is None else busy_timeout
    db_path = directory / DATABASE_NAME
    if not create and not db_path.is_file():
        raise WorkspaceError(f"{directory}: the workspace has no database ({DATABASE_NAME}); run 'workbench init'")
    engine = _sqlite_engine(db_path, timeout)
    try:
        with _lock_errors(timeout):
            _ensure_schema(engine, db_path, create=create)
    except BaseException:
        engine.dispose()
        raise
    blobs = LocalBlobStore(directory / "objects")
    blobs.remove_stale_temp_files()
    store = Store(engine, blobs, anchor=directory / ANCHOR_NAME, busy_timeout=timeout)
    if create and store.anchor is not None and not store.anchor.exists():
        # The genesis anchor: from now on a workspace without its anchor file has been tampered with.
        store.write_anchor_file(0, "")
    return store


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision recorded in the database, or None when it has none."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _ensure_schema(engine: Engine, db_path: Path, *, create: bool) -> None:
    try:
        revision = current_revision(engine)
    except DatabaseError as exc:
        if "not a database" in str(exc.orig).lower():
            raise WorkspaceError(f"{db_path}: not a workbench database (not SQLite)") from None
        raise
    if revision == SCHEMA_HEAD:
        return
    if revision is None:
        with engine.connect() as connection:
            has_tables = bool(inspect(connection).get_table_names())
        if has_tables or not create:
            raise WorkspaceError(f"{db_path}: not a workbench database (it records no schema version)")
    elif revision not in KNOWN_REVISIONS:
        raise SchemaVersionError(
            f"{db_path}: schema version {revision} was written by a newer workbench (this one knows up to "
            f"{SCHEMA_HEAD}); upgrade workbench to open this workspace"
        )
    migrate(engine, "head")


def migrate(engine: Engine, target: str) -> None:
    """Run the Alembic migrations up to ``target`` (imported here: only opening an older database pays for it)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "workbench.store:migrations")
    with engine.execution_options(workbench_write=True).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)
