"""Frameworks, controls and mappings a workspace adds to the packaged library: from an imported matrix, the
user's own CCM/CAIQ spreadsheet or a vendor's packet. Added once, ledgered, never replaced."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from workbench.catalog.entries import mapping_body, mapping_key
from workbench.catalog.loader import extend_catalog
from workbench.catalog.schema import ControlSpec, FrameworkFile
from workbench.clock import parse_stored, utc_now
from workbench.errors import CatalogError, InputError
from workbench.store.database import Writer
from workbench.store.digests import canonical_json, catalog_digest
from workbench.store.models import CatalogEntry, new_id
from workbench.workspace import Workspace, default_actor

_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


@dataclass(frozen=True)
class EntrySummary:
    """One catalog entry as listed to a user."""

    kind: str
    key: str
    source: str
    origin: str
    created_at: datetime
    created_by: str


def add_catalog_entries(
    workspace: Workspace,
    *,
    frameworks: Sequence[FrameworkFile] = (),
    controls: Sequence[ControlSpec] = (),
    mappings: Sequence[tuple[str, str, str]] = (),
    source: str,
    origin: str = "",
    actor: str | None = None,
    writer: Writer | None = None,
) -> None:
    """Add frameworks, controls and (existing control, framework, requirement) mappings to the workspace's catalog.

    Everything is checked against the catalog as it stands (with the frameworks added in the same call) before
    anything is written; all rows go into one transaction, the caller's when ``writer`` is given. With a
    ``writer``, ``workspace.catalog`` shows the new entries only once the caller's transaction has committed.

    Raises:
        InputError: an id that already exists, or a map to an unknown framework or requirement; nothing is written.
    """
    try:
        extend_catalog(
            workspace.catalog, frameworks=frameworks, controls=controls, mappings=mappings, where="cannot add"
        )
    except CatalogError as exc:
        raise InputError(exc.message) from None
    who = actor or (writer.actor if writer is not None else default_actor())
    now = utc_now()
    bodies: list[tuple[str, str, Any]] = [
        ("framework", parsed.framework.id, parsed.model_dump(mode="json")) for parsed in frameworks
    ]
    bodies += [("control", spec.id, spec.model_dump(mode="json")) for spec in controls]
    bodies += [("mapping", mapping_key(*item), mapping_body(*item)) for item in dict.fromkeys(mappings)]
    entries = [
        CatalogEntry(
            id=new_id(),
            kind=kind,
            key=key,
            body=canonical_json(body),
            source=source,
            origin=origin[:512],
            created_at=now,
            created_by=who,
        )
        for kind, key, body in bodies
    ]
    context = nullcontext(writer) if writer is not None else workspace.store.transaction(who)
    with context as active:
        for entry in entries:
            active.add(entry)
            active.record(kind="catalog", entity_id=entry.id, digest=catalog_digest(entry))
    if writer is None:
        workspace.reload_catalog()
    else:
        # The caller's transaction commits later: forget the cached catalog then.
        writer.after_commit.append(workspace.reload_catalog)


def next_control_ids(workspace: Workspace, prefix: str, count: int) -> list[str]:
    """Return ``count`` free control ids ``PREFIX-NNN`` after the highest one in use with that prefix.

    Three digits, or four when the numbers pass 999.

    Raises:
        InputError: the prefix is not 2-8 capital letters or digits starting with a letter, or the ids run out.
    """
    if not _PREFIX.match(prefix):
        raise InputError(f"control id prefix {prefix!r} must be 2-8 capital letters or digits, starting with a letter")
    pattern = re.compile(rf"^{prefix}-([0-9]{{2,4}})$")
    used = [int(m.group(1)) for cid in workspace.catalog.controls if (m := pattern.match(cid))]
    start = max(used, default=0) + 1
    if start + count - 1 > 9999:
        raise InputError(f"no free control ids left under {prefix}- ({count} wanted)")
    return [f"{prefix}-{number:03d}" for number in range(start, start + count)]


def list_catalog_entries(workspace: Workspace) -> list[EntrySummary]:
    """Every entry this workspace added, oldest first."""
    rows = workspace.store.rows(
        text("SELECT kind, key, source, origin, created_at, created_by FROM catalog_entry ORDER BY created_at, rowid"),
        {},
    )
    return [EntrySummary(r[0], r[1], r[2], r[3], parse_stored(r[4]), r[5]) for r in rows]


__all__ = ["EntrySummary", "add_catalog_entries", "list_catalog_entries", "new_id", "next_control_ids"]
