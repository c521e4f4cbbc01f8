"""The evidence records in force for a set of controls as of an instant, with their ledger digests and blobs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text

from workbench.clock import format_stored, parse_stored
from workbench.reports.model import BlobCitation, EvidenceItem
from workbench.store.digests import EVIDENCE_FIELDS, evidence_digest
from workbench.workspace import Workspace

# "In force" means what control status counts: collected by the instant and not superseded by a record collected by
# then. Column lists are constants of this module, never user input.
_IN_FORCE = """
    SELECT e.id FROM evidence e
    WHERE e.collected_at <= :as_of
      AND NOT EXISTS (
        SELECT 1 FROM evidence newer WHERE newer.supersedes_id = e.id AND newer.collected_at <= :as_of
      )
      AND EXISTS (
        SELECT 1 FROM evidence_control ec WHERE ec.evidence_id = e.id AND ec.control_id IN :control_ids
      )
"""
_RECORDS = text(
    f"SELECT {', '.join('e.' + name for name in EVIDENCE_FIELDS)} FROM evidence e "  # noqa: S608
    f"WHERE e.id IN ({_IN_FORCE})"
).bindparams(bindparam("control_ids", expanding=True))
_LINKS = text(
    f"SELECT evidence_id, control_id FROM evidence_control WHERE evidence_id IN ({_IN_FORCE})"  # noqa: S608
).bindparams(bindparam("control_ids", expanding=True))
_BLOBS = text(
    "SELECT evidence_id, position, sha256, name, size, media_type, role FROM evidence_blob "  # noqa: S608
    f"WHERE evidence_id IN ({_IN_FORCE}) ORDER BY evidence_id, position"
).bindparams(bindparam("control_ids", expanding=True))


def evidence_in_force(workspace: Workspace, control_ids: Collection[str], as_of: datetime) -> list[EvidenceItem]:
    """Return every record in force as of ``as_of`` that speaks for one of ``control_ids``, ordered by id.

    Each record's digest is computed exactly as the ledger recorded it (over all its control links and blobs), so
    a reader can match a cited short hash against ``workbench verify`` and the ledger.
    """
    if not control_ids:
        return []
    parameters = {"as_of": format_stored(as_of), "control_ids": sorted(control_ids)}
    links: dict[str, list[str]] = {}
    blobs: dict[str, list[dict[str, Any]]] = {}
    with workspace.store.session() as session:
        connection = session.connection()
        for evidence_id, control_id in connection.execute(_LINKS, parameters):
            links.setdefault(evidence_id, []).append(control_id)
        for row in connection.execute(_BLOBS, parameters).mappings():
            blobs.setdefault(row["evidence_id"], []).append(dict(row))
        records = [dict(row) for row in connection.execute(_RECORDS, parameters).mappings()]
    items = [_item(record, sorted(links.get(record["id"], [])), blobs.get(record["id"], [])) for record in records]
    items.sort(key=lambda item: item.id)
    return items


def _item(record: dict[str, Any], controls: list[str], blobs: list[dict[str, Any]]) -> EvidenceItem:
    valid_until = record["valid_until"]
    return EvidenceItem(
        id=record["id"],
        digest=evidence_digest(record, controls, blobs),
        source=record["source"],
        check_id=record["check_id"],
        check_version=record["check_version"],
        result=record["result"],
        error_code=record["error_code"],
        observed_at=parse_stored(record["observed_at"]),
        collected_at=parse_stored(record["collected_at"]),
        valid_until=None if valid_until is None else parse_stored(valid_until),
        account=record["account"] or "",
        region=record["region"] or "",
        resource=record["resource"] or "",
        note=record["note"] or "",
        controls=tuple(controls),
        blobs=tuple(
            BlobCitation(
                sha256=blob["sha256"],
                name=blob["name"],
                size=int(blob["size"]),
                media_type=blob["media_type"],
                role=blob["role"],
            )
            for blob in blobs
        ),
    )
