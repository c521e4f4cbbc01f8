"""OSCAL 1.1.2 documents: the SRM as a component-definition, the evidence as assessment-results.

Control ids become OSCAL tokens in lower case (``enc-01``) with the workbench id kept as the ``label`` property.
Owners map to responsible roles: ``provider`` (the vendor), ``customer``, and ``third-party`` (inherited from, for
example, the cloud provider). UUIDs are derived from the workspace id and what they name, so exporting the same
state twice gives the same identifiers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text

from workbench.clock import format_stored, utc_now
from workbench.exchange.export import SrmRow
from workbench.services.status import Status, control_statuses
from workbench.workspace import Workspace

OSCAL_VERSION = "1.1.2"
NAMESPACE = "https://compliance-evidence-workbench.invalid/ns/oscal"
ROLES = (
    {"id": "provider", "title": "Vendor (service provider)"},
    {"id": "customer", "title": "Customer"},
    {"id": "third-party", "title": "Third party (inherited)"},
)
_ROLES_OF_OWNER: dict[str, tuple[str, ...]] = {
    "vendor": ("provider",),
    "customer": ("customer",),
    "shared": ("provider", "customer"),
    "third_party": ("third-party",),
    "shared_vendor_third_party": ("provider", "third-party"),
    "not_applicable": (),
}
_METHOD_OF_SOURCE = {"check": "TEST", "manual": "EXAMINE", "import": "EXAMINE"}
#: Statuses whose finding is "satisfied"; controls that are the other party's or not applicable get no finding.
_SATISFIED = frozenset({Status.PASSING})
_NO_FINDING = frozenset({Status.OTHER_PARTY, Status.NOT_APPLICABLE})


def _uuid(workspace: Workspace, *parts: str) -> str:
    return str(uuid.uuid5(uuid.UUID(workspace.workspace_id), "/".join(parts)))


def _instant(moment: datetime) -> str:
    return format_stored(moment)


def _token(control_id: str) -> str:
    return control_id.lower()


def _prop(name: str, value: str) -> dict[str, str] | None:
    """An OSCAL property, or None when the value is empty (OSCAL values may not be blank or padded)."""
    cleaned = " ".join(value.split())
    return {"name": name, "ns": NAMESPACE, "value": cleaned} if cleaned else None


def _props(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [prop for prop in (_prop(name, value) for name, value in pairs) if prop is not None]


def _metadata(workspace: Workspace, title: str, moment: datetime) -> dict[str, Any]:
    return {
        "title": title,
        "last-modified": _instant(moment),
        "version": _instant(moment),
        "oscal-version": OSCAL_VERSION,
        "roles": [dict(role) for role in ROLES],
    }


def _heading(workspace: Workspace) -> str:
    settings = workspace.settings
    return " / ".join(part for part in (settings.organisation, settings.system) if part) or "Workbench workspace"


def component_definition(workspace: Workspace, rows: Sequence[SrmRow], *, created_at: datetime) -> dict[str, Any]:
    """The SRM as an OSCAL component-definition: one service component, one implemented requirement per control."""
    requirements = []
    for row in rows:
        token = _token(row.control_id)
        roles = _ROLES_OF_OWNER[row.owner]
        statements = []
        for side, part, role in (("vendor", row.vendor_part, "provider"), ("customer", row.customer_part, "customer")):
            if part.strip() and part.strip() != "None.":
                statements.append(
                    {
                        "statement-id": f"{token}_smt.{side}",
                        "uuid": _uuid(workspace, "statement", row.control_id, side),
                        "description": part,
                        "responsible-roles": [{"role-id": role}],
                    }
                )
        requirement: dict[str, Any] = {
            "uuid": _uuid(workspace, "implemented-requirement", row.control_id),
            "control-id": token,
            "description": row.description,
            "props": _props(
                ("label", row.control_id),
                ("title", row.title),
                ("area", row.domain),
                ("responsibility", row.owner),
                *(("requirement", f"{fw}:{rid}") for fw, ids in row.requirements.items() for rid in ids),
            ),
        }
        if roles:
            requirement["responsible-roles"] = [{"role-id": role} for role in roles]
        if statements:
            requirement["statements"] = statements
        requirements.append(requirement)
    settings = workspace.settings
    component: dict[str, Any] = {
        "uuid": _uuid(workspace, "component"),
        "type": "service",
        "title": settings.system or settings.organisation or "Service",
        "description": f"The shared-responsibility matrix of {_heading(workspace)}.",
        "responsible-roles": [{"role-id": "provider"}, {"role-id": "customer"}],
    }
    if requirements:
        component["control-implementations"] = [
            {
                "uuid": _uuid(workspace, "control-implementation"),
                "source": "#workbench-controls",
                "description": "Workbench controls with the vendor's and the customer's part of each.",
                "implemented-requirements": requirements,
            }
        ]
    return {
        "component-definition": {
            "uuid": str(uuid.uuid4()),
            "metadata": _metadata(workspace, f"Shared-responsibility matrix: {_heading(workspace)}", created_at),
            "components": [component],
        }
    }


_EVIDENCE = text(
    """
    SELECT e.id, e.source, e.check_id, e.result, e.observed_at, e.account, e.region, e.resource, e.note,
           e.error_code
    FROM evidence e
    WHERE e.collected_at <= :as_of
      AND e.id NOT IN (SELECT supersedes_id FROM evidence WHERE supersedes_id IS NOT NULL AND collected_at <= :as_of)
    ORDER BY e.observed_at, e.id
    """
)
_LINKS = text("SELECT evidence_id, control_id FROM evidence_control")
_BLOBS = text("SELECT evidence_id, sha256, name FROM evidence_blob ORDER BY evidence_id, position")


def assessment_results(workspace: Workspace, *, as_of: datetime | None = None) -> dict[str, Any]:
    """The evidence in force as OSCAL assessment-results: an observation per record, a finding per control."""
    moment = as_of or utc_now()
    stamp = format_stored(moment)
    store = workspace.store
    links: dict[str, list[str]] = {}
    for evidence_id, control_id in store.rows(_LINKS, {}):
        links.setdefault(evidence_id, []).append(control_id)
    files: dict[str, list[tuple[str, str]]] = {}
    for evidence_id, sha256, name in store.rows(_BLOBS, {}):
        files.setdefault(evidence_id, []).append((sha256, name))
    observations = []
    observed_for: dict[str, list[str]] = {}
    earliest = stamp
    for evidence_id, source, check_id, result, observed, account, region, resource, note, error_code in store.rows(
        _EVIDENCE, {"as_of": stamp}
    ):
        earliest = min(earliest, observed)
        what = check_id or f"{source} evidence"
        where = resource or account or ""
        description = note.strip() or f"{what}: {result}" + (f" on {where}" if where else "")
        observation: dict[str, Any] = {
            "uuid": evidence_id,
            "title": f"{what}: {result}",
            "description": description,
            "props": _props(
                ("evidence-id", evidence_id),
                ("source", source),
                ("result", result),
                ("check", check_id or ""),
                ("account", account),
                ("region", region),
                ("error-code", error_code or ""),
                *(("control", cid) for cid in sorted(links.get(evidence_id, []))),
            ),
            "methods": [_METHOD_OF_SOURCE.get(source, "EXAMINE")],
            "collected": _to_oscal(observed),
        }
        if files.get(evidence_id):
            observation["relevant-evidence"] = [
                {"href": f"urn:sha256:{sha256}", "description": f"{name} (SHA-256 {sha256})"}
                for sha256, name in files[evidence_id]
            ]
        observations.append(observation)
        for control_id in links.get(evidence_id, []):
            observed_for.setdefault(control_id, []).append(evidence_id)
    statuses = control_statuses(workspace, as_of=moment)
    findings = []
    for control_id, status in statuses.items():
        if status.status in _NO_FINDING:
            continue
        token = _token(control_id)
        state = "satisfied" if status.status in _SATISFIED else "not-satisfied"
        finding: dict[str, Any] = {
            "uuid": _uuid(workspace, "finding", control_id, stamp),
            "title": f"{control_id} {status.status.value}",
            "description": status.reason,
            "props": _props(("label", control_id), ("status", status.status.value), ("owner", status.owner.value)),
            "target": {
                "type": "objective-id",
                "target-id": f"{token}_obj",
                "status": {"state": state, "reason": _reason(status.status)},
            },
        }
        related = observed_for.get(control_id)
        if related:
            finding["related-observations"] = [{"observation-uuid": evidence_id} for evidence_id in related]
        findings.append(finding)
    outcome: dict[str, Any] = {
        "uuid": _uuid(workspace, "result", stamp),
        "title": f"Evidence as of {stamp[:10]}",
        "description": f"Evidence recorded in the workbench workspace of {_heading(workspace)}, as of {stamp}.",
        "start": _to_oscal(earliest),
        "end": _to_oscal(stamp),
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": _token(cid)} for cid in statuses]}
                if statuses
                else {"include-all": {}}
            ]
        },
    }
    if observations:
        outcome["observations"] = observations
    if findings:
        outcome["findings"] = findings
    return {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": _metadata(workspace, f"Evidence of {_heading(workspace)} as of {stamp[:10]}", moment),
            "import-ap": {"href": "#no-assessment-plan"},
            "results": [outcome],
        }
    }


def _reason(status: Status) -> str:
    return {Status.PASSING: "pass", Status.FAILING: "fail"}.get(status, "other")


def _to_oscal(stored: str) -> str:
    """Stored instants already are RFC 3339 with a Z; OSCAL takes them as they are."""
    return stored


def oscal_bytes(document: dict[str, Any]) -> bytes:
    """The file form of an OSCAL JSON document."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
