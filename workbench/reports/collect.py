"""Collect a report's content from a workspace: requirements, controls with status and owner, evidence, exceptions."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from workbench.catalog import Catalog, Framework, Requirement
from workbench.reports.errors import NoMappedControlsError
from workbench.reports.evidence_query import evidence_in_force
from workbench.reports.model import (
    DISPLAY_ORDER,
    ROLLUP_ORDER,
    ControlEntry,
    EvidenceItem,
    ExceptionEntry,
    ReportContent,
    RequirementEntry,
    RequirementGroup,
    StatusBadge,
    StatusCount,
)
from workbench.reports.options import ReportKind
from workbench.services.exceptions import list_exceptions
from workbench.services.ownership import responsibilities
from workbench.services.status import control_statuses
from workbench.workspace import Workspace

_FLAG_WORDS = {
    "required": "Required",
    "r": "Required",
    "addressable": "Addressable",
    "a": "Addressable",
    "standard": "Standard",
    "s": "Standard",
}
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def collect_content(
    workspace: Workspace, *, kind: ReportKind, audience: str, as_of: datetime, evidence_per_control: int
) -> ReportContent:
    """Return everything one report shows.

    Raises:
        NoMappedControlsError: the catalog has no such framework, or no control is mapped to it.
    """
    catalog = workspace.catalog
    framework = catalog.framework(kind.framework_id)
    if framework is None:
        raise NoMappedControlsError(
            f"no {kind.value} report: the catalog has no framework {kind.framework_id!r} "
            f"(it has: {', '.join(sorted(catalog.frameworks)) or 'none'})"
        )
    control_ids = sorted(catalog.controls_in(framework.id))
    if not control_ids:
        raise NoMappedControlsError(
            f"no {kind.value} report: no control of the library is mapped to {framework.title}; "
            "map controls to it first ('workbench catalog coverage' shows the gaps)"
        )
    statuses = control_statuses(workspace, as_of=as_of)
    owners = responsibilities(workspace, as_of=as_of)
    evidence = evidence_in_force(workspace, control_ids, as_of)
    per_control: dict[str, list[EvidenceItem]] = {control_id: [] for control_id in control_ids}
    for item in evidence:
        for control_id in item.controls:
            if control_id in per_control:
                per_control[control_id].append(item)

    entries: dict[str, ControlEntry] = {}
    for control_id in control_ids:
        control = catalog.controls[control_id]
        owner = owners[control_id]
        status = statuses[control_id]
        records = sorted(per_control[control_id], key=lambda item: (item.observed_at, item.id), reverse=True)
        entries[control_id] = ControlEntry(
            id=control_id,
            title=control.title,
            domain=control.domain,
            owner=owner.owner.value,
            vendor_part=owner.vendor_part,
            customer_part=owner.customer_part,
            status=StatusBadge(status.status.value),
            reason=status.reason,
            evidence_total=len(records),
            results=dict(Counter(item.result for item in records)),
            latest=tuple(records[:evidence_per_control]),
        )

    groups = _groups(catalog, framework, entries)
    settings = workspace.settings
    return ReportContent(
        kind=kind.value,
        title=kind.document_title,
        framework_id=framework.id,
        framework_title=framework.title,
        framework_version=framework.version,
        framework_notice=framework.notice,
        organisation=settings.organisation,
        system=settings.system,
        role=settings.role,
        audience=audience,
        audit_period_start=settings.audit_period_start,
        audit_period_end=settings.audit_period_end,
        as_of=as_of,
        groups=groups,
        controls=tuple(entries.values()),
        exceptions=_exceptions(workspace, set(control_ids), as_of),
        evidence=tuple(evidence),
        cited=_cited(entries.values()),
        control_counts=_counts(entry.status.key for entry in entries.values()),
        requirement_counts=_counts(r.rollup.key for group in groups for r in group.requirements),
        evidence_per_control=evidence_per_control,
    )


def _groups(
    catalog: Catalog, framework: Framework, entries: Mapping[str, ControlEntry]
) -> tuple[RequirementGroup, ...]:
    """Group requirements under headings: by a ``series`` or ``safeguard`` attribute when the catalog has one (SOC 2,
    HIPAA), else by their top-level requirement (a GDPR article, an SRM category)."""
    by_id = {r.id: r for r in framework.requirements}
    grouped: dict[str, list[RequirementEntry]] = {}
    for requirement in framework.requirements:
        ancestors = _ancestors(requirement, by_id)
        title, by_attribute = _heading(requirement, ancestors)
        members = grouped.setdefault(title, [])
        direct = catalog.controls_for(framework.id, requirement.id, include_children=False)
        if not by_attribute and not ancestors and not direct and framework.children(requirement.id):
            continue  # a top-level requirement with nothing mapped to it directly: its heading stands for it
        members.append(
            RequirementEntry(
                id=requirement.id,
                title=requirement.title,
                kind=requirement.kind,
                text=requirement.text,
                depth=len(ancestors) if by_attribute else max(len(ancestors) - 1, 0),
                flag=_flag(requirement),
                anchor=_anchor("req", requirement.id),
                controls=tuple(entries[c] for c in direct),
                rollup=_rollup(entries[c].status.key for c in catalog.controls_for(framework.id, requirement.id)),
                attributes=dict(requirement.attributes),
            )
        )
    return tuple(
        RequirementGroup(
            title=title,
            anchor=_anchor("group", title),
            requirements=tuple(members),
            rollup=_rollup(control.status.key for member in members for control in member.controls),
        )
        for title, members in grouped.items()
    )


def _ancestors(requirement: Requirement, by_id: Mapping[str, Requirement]) -> list[Requirement]:
    """The requirement's parents, nearest first."""
    found: list[Requirement] = []
    parent = requirement.parent
    while parent is not None and parent in by_id and len(found) < 16:
        found.append(by_id[parent])
        parent = by_id[parent].parent
    return found


def _attribute(requirement: Requirement, ancestors: Sequence[Requirement], *names: str) -> str:
    for candidate in (requirement, *ancestors):
        for name in names:
            value = candidate.attributes.get(name, "").strip()
            if value:
                return value
    return ""


def _heading(requirement: Requirement, ancestors: Sequence[Requirement]) -> tuple[str, bool]:
    """The group title of a requirement, and whether it comes from an attribute rather than a parent."""
    series = _attribute(requirement, ancestors, "series")
    if series:
        return f"{series} {_attribute(requirement, ancestors, 'series_title')}".strip(), True
    safeguard = _attribute(requirement, ancestors, "safeguard")
    if safeguard:
        return (safeguard if safeguard.lower().endswith("safeguards") else f"{safeguard} safeguards"), True
    top = ancestors[-1] if ancestors else requirement
    return f"{top.id} {top.title}", False


def _flag(requirement: Requirement) -> str:
    """HIPAA's implementation flag, from whichever attribute the catalog uses for it."""
    attributes = {name.lower(): value.strip().lower() for name, value in requirement.attributes.items()}
    for name in ("implementation", "flag", "requirement", "specification", "type", "status"):
        if attributes.get(name, "") in _FLAG_WORDS:
            return _FLAG_WORDS[attributes[name]]
    for name, word in (("required", "Required"), ("addressable", "Addressable")):
        if attributes.get(name) in ("true", "yes", "1"):
            return word
    if attributes.get("required") in ("false", "no", "0"):
        return "Addressable"
    return _FLAG_WORDS.get(requirement.kind.lower(), "")


def _rollup(statuses: Iterable[str]) -> StatusBadge:
    seen = set(statuses)
    if not seen:
        return StatusBadge("unmapped")
    return StatusBadge(min(seen, key=ROLLUP_ORDER.index))


def _counts(statuses: Iterable[str]) -> tuple[StatusCount, ...]:
    counted = Counter(statuses)
    return tuple(StatusCount(StatusBadge(key), counted[key]) for key in DISPLAY_ORDER if counted[key])


def _anchor(prefix: str, value: str) -> str:
    return f"{prefix}-{_ANCHOR_UNSAFE.sub('-', value).strip('-').lower()}"


def _cited(entries: Iterable[ControlEntry]) -> tuple[EvidenceItem, ...]:
    """The records the pages cite, once each, by control and newest first."""
    seen: dict[str, EvidenceItem] = {}
    for entry in sorted(entries, key=lambda e: e.id):
        for item in entry.latest:
            seen.setdefault(item.id, item)
    return tuple(seen.values())


def _exceptions(workspace: Workspace, control_ids: set[str], as_of: datetime) -> tuple[ExceptionEntry, ...]:
    found = [
        ExceptionEntry(
            id=exception.id,
            control_id=exception.control_id,
            rationale=exception.rationale,
            approver=exception.approver,
            created_at=exception.created_at,
            expires_at=exception.expires_at,
            in_force=exception.expires_at > as_of,
        )
        for exception in list_exceptions(workspace)
        if exception.control_id in control_ids and exception.created_at <= as_of
    ]
    found.sort(key=lambda e: (not e.in_force, e.control_id, e.created_at, e.id))
    return tuple(found)
