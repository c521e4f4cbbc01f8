"""A workspace: one directory with the database, the blobs and the settings of one organisation's evidence."""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import text

from workbench.catalog import Catalog, load_catalog
from workbench.catalog.entries import apply_entries
from workbench.catalog.yamlsource import yaml_error_message
from workbench.clock import utc_now
from workbench.errors import InputError, WorkspaceError
from workbench.store import Store, open_store
from workbench.store.database import ANCHOR_NAME, DATABASE_NAME

SETTINGS_NAME = "workspace.yaml"
DEFAULT_WORKSPACE = "evidence_store"
#: Files a directory may already hold and still be initialised as a workspace (the repository ships these).
_ALLOWED_BEFORE_INIT = {"README.md", ".gitignore", ".gitkeep"}

Role = Literal["vendor", "customer"]
#: Namespace of the ids derived for workspaces created before ``workspace_id`` was written at init.
_WORKSPACE_NAMESPACE = uuid.UUID("6f1c0d52-8a3e-4f0e-9b1d-3c5e2a7d9f40")

_SELECT_CATALOG_ENTRIES = text("SELECT id, kind, body FROM catalog_entry ORDER BY created_at, rowid")


class WorkspaceSettings(BaseModel):
    """What a workspace is about. Never holds a secret: credentials and passphrases live in the OS keyring."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    role: Role = "vendor"
    organisation: str = Field(default="", max_length=200)
    system: str = Field(default="", max_length=200)
    audit_period_start: date | None = None
    audit_period_end: date | None = None
    created_at: datetime = Field(default_factory=utc_now)
    #: Names this workspace in the packets it exchanges. Workspaces made before it existed have none in their file;
    #: :attr:`Workspace.workspace_id` then derives a stable one from ``created_at``.
    workspace_id: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> WorkspaceSettings:
        if self.audit_period_start and self.audit_period_end and self.audit_period_end < self.audit_period_start:
            raise ValueError("the audit period ends before it starts")
        return self


def default_workspace_path() -> Path:
    """Return the workspace chosen by ``WORKBENCH_WORKSPACE``, or ``evidence_store/`` under the current directory."""
    chosen = os.environ.get("WORKBENCH_WORKSPACE")
    return Path(chosen) if chosen else Path.cwd() / DEFAULT_WORKSPACE


def default_actor() -> str:
    """Return who is making changes: ``WORKBENCH_ACTOR``, or the OS user at this host."""
    chosen = os.environ.get("WORKBENCH_ACTOR")
    if chosen:
        return chosen
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class Workspace:
    """An opened workspace. The store and catalog are built on first use and shared afterwards."""

    path: Path
    settings: WorkspaceSettings
    catalog_dir: Path | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def workspace_id(self) -> str:
        """This workspace's stable id (a UUID): from the settings, or derived from when an older one was created."""
        if self.settings.workspace_id:
            return self.settings.workspace_id
        return str(uuid.uuid5(_WORKSPACE_NAMESPACE, self.settings.created_at.isoformat()))

    @property
    def store(self) -> Store:
        """The workspace's store, opened (and migrated if older) on first use."""
        if self._store is None:
            self._store = open_store(self.path)
        return self._store

    @cached_property
    def catalog(self) -> Catalog:
        """The frameworks and control library this workspace works with: the packaged library (or the one in
        ``catalog_dir``) plus the frameworks, controls and mappings the workspace has added (imports, packets)."""
        base = load_catalog(self.catalog_dir)
        rows = self.store.rows(_SELECT_CATALOG_ENTRIES, {})
        if not rows:
            return base
        return apply_entries(base, ((str(r[0]), str(r[1]), str(r[2])) for r in rows))

    def reload_catalog(self) -> Catalog:
        """Forget the cached catalog (after entries were added) and return the new one."""
        self.__dict__.pop("catalog", None)
        return self.catalog

    def close(self) -> None:
        """Release the database connections."""
        if self._store is not None:
            self._store.dispose()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_workspace(path: Path, *, catalog_dir: Path | None = None) -> Workspace:
    """Open the workspace at ``path``.

    Raises:
        WorkspaceError: the path does not exist, is not a directory, or is not a workspace.
    """
    if not path.exists():
        raise WorkspaceError(
            f"{path}: no workspace here; create one with 'workbench init' (or choose one with --workspace)"
        )
    if not path.is_dir():
        raise WorkspaceError(f"{path}: not a directory, so not a workspace")
    settings_path = path / SETTINGS_NAME
    if not settings_path.is_file():
        raise WorkspaceError(
            f"{path}: not a workbench workspace (no {SETTINGS_NAME}); create one with 'workbench init'"
        )
    settings = _read_settings(settings_path)
    if not (path / DATABASE_NAME).is_file():
        raise WorkspaceError(f"{path}: the workspace has lost its database ({DATABASE_NAME})")
    return Workspace(path=path, settings=settings, catalog_dir=catalog_dir)


def init_workspace(
    path: Path,
    *,
    role: Role = "vendor",
    organisation: str = "",
    system: str = "",
    audit_period_start: date | None = None,
    audit_period_end: date | None = None,
    catalog_dir: Path | None = None,
) -> Workspace:
    """Create a workspace at ``path`` (the directory may exist if it is empty).

    Raises:
        WorkspaceError: ``path`` is already a workspace, is a file, or holds other files.
        InputError: the settings are invalid (an audit period that ends before it starts).
    """
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path}: exists and is not a directory")
    if (path / SETTINGS_NAME).exists():
        raise WorkspaceError(f"{path}: already a workspace; nothing changed")
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in _ALLOWED_BEFORE_INIT)
        if others:
            shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
            raise WorkspaceError(f"{path}: the directory is not empty ({shown}); choose an empty or new directory")
    try:
        settings = WorkspaceSettings(
            role=role,
            organisation=organisation,
            system=system,
            audit_period_start=audit_period_start,
            audit_period_end=audit_period_end,
            workspace_id=str(uuid.uuid4()),
        )
    except ValidationError as exc:
        raise InputError(f"init: {exc.errors()[0]['msg']}") from None
    created_dir = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot create the workspace: {exc.strerror}") from None
    try:
        (path / "objects").mkdir(exist_ok=True)
        store = open_store(path, create=True)
        # The settings file is written last: a directory without it is not a workspace, so a crash here leaves
        # nothing that looks half-made.
        _write_settings(path / SETTINGS_NAME, settings)
    except BaseException as exc:
        for leftover in (SETTINGS_NAME, DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", ANCHOR_NAME):
            with contextlib.suppress(FileNotFoundError):
                (path / leftover).unlink()
        with contextlib.suppress(OSError):
            (path / "objects").rmdir()
        if created_dir:
            with contextlib.suppress(OSError):
                path.rmdir()
        if isinstance(exc, OSError):
            raise WorkspaceError(f"{path}: cannot create the workspace: {exc.strerror or exc}") from None
        raise
    return Workspace(path=path, settings=settings, catalog_dir=catalog_dir, _store=store)


def _read_settings(settings_path: Path) -> WorkspaceSettings:
    try:
        data = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkspaceError(f"{settings_path}: cannot read the workspace settings: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise WorkspaceError(f"{settings_path}:1: the workspace settings are not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise WorkspaceError(yaml_error_message(settings_path, exc)) from None
    try:
        return WorkspaceSettings.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"]) or "settings"
        raise WorkspaceError(f"{settings_path}: {where}: {error['msg']}") from None


def _write_settings(settings_path: Path, settings: WorkspaceSettings) -> None:
    text = "# Workbench workspace settings. Secrets never go here: they live in the OS keyring.\n" + yaml.safe_dump(
        settings.model_dump(mode="json"), sort_keys=False, allow_unicode=True
    )
    temp = settings_path.with_name(f".{settings_path.name}.tmp")
    with temp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, settings_path)


def parse_role(value: str) -> Role:
    """Return ``value`` as a role, or raise InputError."""
    if value not in ("vendor", "customer"):
        raise InputError(f"role: {value!r} is not a role; use vendor or customer")
    return value  # type: ignore[return-value]
