"""The workspace at a glance: per framework, requirements mapped and controls by status and by owner."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from workbench.catalog import OWNERS
from workbench.catalog.coverage import coverage
from workbench.clock import utc_now
from workbench.services.status import STATUS_ORDER, ControlStatus, control_statuses
from workbench.store.models import CollectionRun
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
class LastRun:
    """The newest collection run: when it finished, how it ended, what it found."""

    run_id: str
    status: str
    finished_at: datetime
    counts: Mapping[str, int]
    tasks: int

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "finished_at": self.finished_at.isoformat().replace("+00:00", "Z"),
            "counts": dict(self.counts),
            "tasks": self.tasks,
        }

    def describe(self) -> str:
        """One line for people: ``completed 2026-11-25 14:02 UTC: 25 pass, 155 fail, 10 info, 5 error``."""
        order = ("pass", "fail", "info", "error")
        words = [*(w for w in order if w in self.counts), *(w for w in self.counts if w not in order)]
        found = ", ".join(f"{self.counts[word]} {word}" for word in words)
        return f"{self.status} {self.finished_at:%Y-%m-%d %H:%M} UTC over {self.tasks} tasks: {found}"


@dataclass(frozen=True)
class WorkspaceSummary:
    """The status overview of a workspace."""

    as_of: datetime
    frameworks: tuple[FrameworkSummary, ...]
    statuses: Mapping[str, ControlStatus]
    last_run: LastRun | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "frameworks": [f.as_dict() for f in self.frameworks],
            "controls": {
                "total": len(self.statuses),
                "by_status": _count(s.status.value for s in self.statuses.values()),
            },
            "last_collection_run": None if self.last_run is None else self.last_run.as_dict(),
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
    return WorkspaceSummary(
        as_of=moment, frameworks=tuple(lines), statuses=statuses, last_run=last_run(workspace, as_of=moment)
    )


def last_run(workspace: Workspace, *, as_of: datetime | None = None) -> LastRun | None:
    """The newest collection run that had started by ``as_of`` (now by default), or None when there was none."""
    query = select(CollectionRun).order_by(col(CollectionRun.started_at).desc()).limit(1)
    if as_of is not None:
        query = query.where(col(CollectionRun.started_at) <= as_of)
    with workspace.store.session() as session:
        run = session.exec(query).first()
    if run is None:
        return None
    counts = json.loads(run.counts)
    return LastRun(run.id, run.status, run.finished_at, {str(k): int(v) for k, v in counts.items()}, run.tasks)
