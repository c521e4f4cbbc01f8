"""Canonical forms of what is written, hashed into the ledger and recomputed by ``verify``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from workbench.clock import format_stored

GENESIS_HASH = "0" * 64

EVIDENCE_FIELDS = (
    "id",
    "source",
    "check_id",
    "check_version",
    "account",
    "region",
    "resource",
    "result",
    "error_code",
    "observed_at",
    "collected_at",
    "valid_until",
    "collected_by",
    "note",
    "supersedes_id",
    "run_id",
)
BLOB_FIELDS = ("position", "sha256", "name", "size", "media_type", "role")
EXCEPTION_FIELDS = ("id", "control_id", "rationale", "approver", "expires_at", "created_at", "created_by")
OWNERSHIP_FIELDS = ("id", "control_id", "owner", "vendor_part", "customer_part", "changed_at", "changed_by", "note")

PACKET_FIELDS = (
    "id",
    "kind",
    "direction",
    "issuer_workspace_id",
    "issuer_organisation",
    "issuer_system",
    "in_response_to",
    "created_at",
    "recorded_at",
    "recorded_by",
    "body_sha256",
    "signer_fingerprint",
    "body",
)
ANSWER_FIELDS = ("control_id", "customer_workspace_id", "evidence_id", "answer_sha256")
ATTESTATION_FIELDS = ("id", "control_id", "packet_id", "text", "attested_at", "attested_by")
CATALOG_FIELDS = ("id", "kind", "key", "body", "source", "origin", "created_at", "created_by")

RUN_FIELDS = (
    "id",
    "source",
    "status",
    "started_at",
    "finished_at",
    "accounts",
    "regions",
    "checks",
    "counts",
    "errors",
    "tasks",
    "api_calls",
    "duration_ms",
    "actor",
)


def canonical_json(value: Any) -> str:
    """Return the one canonical JSON text of ``value``: sorted keys, no spaces, instants in the stored form."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode)


def sha256_text(text: str) -> str:
    """Return the hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_stored(value)
    raise TypeError(f"cannot put {type(value).__name__} into canonical JSON")


def _pick(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    if isinstance(row, Mapping):
        return {name: row[name] for name in fields}
    return {name: getattr(row, name) for name in fields}


def evidence_digest(evidence: Any, control_ids: Iterable[str], blobs: Iterable[Any]) -> str:
    """Digest of one evidence record with its control links and blob references."""
    body = _pick(evidence, EVIDENCE_FIELDS)
    body["controls"] = sorted(control_ids)
    body["blobs"] = sorted((_pick(blob, BLOB_FIELDS) for blob in blobs), key=lambda item: item["position"])
    return sha256_text(canonical_json(body))


def exception_digest(exception: Any) -> str:
    """Digest of one control exception."""
    return sha256_text(canonical_json(_pick(exception, EXCEPTION_FIELDS)))


def ownership_digest(change: Any) -> str:
    """Digest of one ownership change."""
    return sha256_text(canonical_json(_pick(change, OWNERSHIP_FIELDS)))


def packet_digest(packet: Any, answers: Iterable[Any]) -> str:
    """Digest of one exchanged packet with the answers imported from it (a response's)."""
    body = _pick(packet, PACKET_FIELDS)
    body["answers"] = sorted((_pick(answer, ANSWER_FIELDS) for answer in answers), key=lambda item: item["control_id"])
    return sha256_text(canonical_json(body))


def attestation_digest(attestation: Any) -> str:
    """Digest of one attestation."""
    return sha256_text(canonical_json(_pick(attestation, ATTESTATION_FIELDS)))


def run_digest(run: Any) -> str:
    """Digest of one collection run summary."""
    return sha256_text(canonical_json(_pick(run, RUN_FIELDS)))


def catalog_digest(entry: Any) -> str:
    """Digest of one catalog entry."""
    return sha256_text(canonical_json(_pick(entry, CATALOG_FIELDS)))


def entry_hash(
    *, seq: int, recorded_at: datetime | str, actor: str, kind: str, entity_id: str, digest: str, prev_hash: str
) -> str:
    """Hash of one ledger entry, chained to the one before it through ``prev_hash``."""
    return sha256_text(
        canonical_json(
            {
                "seq": seq,
                "recorded_at": recorded_at,
                "actor": actor,
                "kind": kind,
                "entity_id": entity_id,
                "digest": digest,
                "prev_hash": prev_hash,
            }
        )
    )
