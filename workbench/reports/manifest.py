"""The report manifest: every evidence record a report rests on, by hash, embedded in the PDF and in the bundle."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workbench import __version__
from workbench.clock import format_stored
from workbench.reports.model import EvidenceItem, ReportContent
from workbench.store.digests import canonical_json, sha256_text

MANIFEST_FORMAT = "compliance-evidence-workbench/report-manifest@1"
MANIFEST_NAME = "manifest.json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestFormatError(ValueError):
    """The bytes are not a report manifest this workbench understands."""


def build_manifest(content: ReportContent) -> dict[str, Any]:
    """Return the manifest of a report: what it is, about whom, as of when, and every evidence record it rests on."""
    blobs: dict[str, int] = {}
    for item in content.evidence:
        for blob in item.blobs:
            blobs[blob.sha256] = blob.size
    return {
        "format": MANIFEST_FORMAT,
        "generator": {"name": "compliance-evidence-workbench", "version": __version__},
        "report": {
            "kind": content.kind,
            "title": content.title,
            "framework": content.framework_id,
            "framework_version": content.framework_version,
            "audience": content.audience,
            "as_of": format_stored(content.as_of),
        },
        "workspace": {
            "organisation": content.organisation,
            "system": content.system,
            "role": content.role,
            "audit_period_start": _day(content.audit_period_start),
            "audit_period_end": _day(content.audit_period_end),
        },
        "controls": [
            {"id": c.id, "owner": c.owner, "status": c.status.key, "evidence": c.evidence_total}
            for c in content.controls
        ],
        "evidence": [_evidence(item) for item in content.evidence],
        "blobs": [{"sha256": sha256, "size": size} for sha256, size in sorted(blobs.items())],
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as embedded and bundled: sorted keys and indented, so that people can read it too."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON: what the ledger records for the report and the cover prints."""
    return sha256_text(canonical_json(manifest))


def parse_manifest(data: bytes) -> dict[str, Any]:
    """Read a manifest back and check its shape.

    Raises:
        ManifestFormatError: naming what is wrong.
    """
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestFormatError(f"it is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ManifestFormatError(f"it is not a {MANIFEST_FORMAT} manifest")
    for key, kind in (("report", dict), ("workspace", dict), ("evidence", list), ("blobs", list)):
        if not isinstance(manifest.get(key), kind):
            raise ManifestFormatError(f"its {key!r} entry is missing or malformed")
    for blob in manifest["blobs"]:
        if not isinstance(blob, dict) or not _SHA256.match(str(blob.get("sha256", ""))):
            raise ManifestFormatError("a blob entry has no valid sha256")
    return manifest


@dataclass(frozen=True)
class ManifestSummary:
    """What a manifest says, in brief."""

    kind: str
    framework: str
    as_of: str
    audience: str
    organisation: str
    system: str
    evidence: int
    blobs: int
    digest: str

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> ManifestSummary:
        """Summarise a parsed manifest."""
        report = manifest["report"]
        workspace = manifest["workspace"]
        return cls(
            kind=str(report.get("kind", "")),
            framework=str(report.get("framework", "")),
            as_of=str(report.get("as_of", "")),
            audience=str(report.get("audience", "")),
            organisation=str(workspace.get("organisation", "")),
            system=str(workspace.get("system", "")),
            evidence=len(manifest["evidence"]),
            blobs=len(manifest["blobs"]),
            digest=manifest_digest(manifest),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return dict(self.__dict__)


def _evidence(item: EvidenceItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "digest": item.digest,
        "source": item.source,
        "check_id": item.check_id,
        "check_version": item.check_version,
        "result": item.result,
        "observed_at": format_stored(item.observed_at),
        "collected_at": format_stored(item.collected_at),
        "valid_until": None if item.valid_until is None else format_stored(item.valid_until),
        "scope": {"account": item.account, "region": item.region, "resource": item.resource},
        "controls": list(item.controls),
        "blobs": [
            {"sha256": b.sha256, "size": b.size, "name": b.name, "media_type": b.media_type, "role": b.role}
            for b in item.blobs
        ],
    }


def _day(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
