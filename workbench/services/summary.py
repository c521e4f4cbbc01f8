"""The workspace at a glance: per framework, requirements mapped and controls by status and by owner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workbench.catalog import OWNERS
from workbench.catalog.coverage import coverage
from workbench.clock import utc_now
from workbench.services.status import STATUS_ORDER, ControlStatus, control_statuses
from workbench.workspace import Workspace


@dataclass(frozen=True)
class FrameworkSummary:
    """One framework's line of the status overview."""

    framework_id: str
    title: str
    requirements: int
    requirements_mapped: int
    controls: int
    by_status: Mapping[str, int]
    by_owner: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "framework": self.framework_id,
            "title": self.title,
            "requirements": self.requirements,
            "requirements_mapped": self.requirements_mapped,
            "controls": self.controls,
            "by_status": dict(self.by_status),
            "by_owner": dict(self.by_owner),
        }


@dataclass(frozen=True)
class WorkspaceSummary:
    """The status overview of a workspace."""

    as_of: datetime
    frameworks: tuple[FrameworkSummary, ...]
    statuses: Mapping[str, ControlStatus]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "frameworks": [f.as_dict() for f in self.frameworks],
            "controls": {
                "total": len(self.statuses),
                "by_status": _count(s.status.value for s in self.statuses.values()),
            },
        }


def _count(values: Any) -> dict[str, int]:
    counted = Counter(values)
    return {status.value: counted.get(status.value, 0) for status in STATUS_ORDER}


def summarise(workspace: Workspace, *, as_of: datetime | None = None) -> WorkspaceSummary:
    """Return the per-framework overview of the workspace as of an instant (now by default)."""
    moment = as_of or utc_now()
    catalog = workspace.catalog
    statuses = control_statuses(workspace, as_of=moment)
    lines = []
    covered = {c.framework_id: c for c in coverage(catalog)}
    for framework in catalog.frameworks.values():
        control_ids = catalog.controls_in(framework.id)
        owners = Counter(statuses[cid].owner.value for cid in control_ids)
        lines.append(
            FrameworkSummary(
                framework_id=framework.id,
                title=framework.title,
                requirements=covered[framework.id].units,
                requirements_mapped=covered[framework.id].mapped,
                controls=len(control_ids),
                by_status=_count(statuses[cid].status.value for cid in control_ids),
                by_owner={owner: owners.get(owner, 0) for owner in OWNERS},
            )
        )
    return WorkspaceSummary(as_of=moment, frameworks=tuple(lines), statuses=statuses)
