"""Control status, derived from evidence, exceptions and ownership; never stored as the truth.

Rules, in order, for one control as of an instant:

1. owner ``not_applicable`` -> not applicable;
2. owned by the other party (a vendor workspace: the customer or a third party; a customer workspace: the vendor
   or a third party) -> the other party's;
3. an exception in force -> excepted;
4. no evidence -> missing;
5. per scope (check, account, region, resource) the newest record counts; it is fresh until its ``valid_until``,
   or for one review cadence after it was observed. A fresh ``fail`` or ``error`` -> failing; a fresh ``pass`` ->
   passing; only stale records -> stale; fresh ``info`` alone -> missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text

from workbench.catalog import Owner
from workbench.clock import format_stored, parse_stored, utc_now
from workbench.services.ownership import Responsibility, responsibilities
from workbench.workspace import Workspace


class Status(StrEnum):
    """The derived state of a control."""

    PASSING = "passing"
    FAILING = "failing"
    STALE = "stale"
    MISSING = "missing"
    EXCEPTED = "excepted"
    NOT_APPLICABLE = "not_applicable"
    OTHER_PARTY = "other_party"


STATUS_ORDER = tuple(Status)

_OTHER_PARTY: Mapping[str, frozenset[Owner]] = {
    "vendor": frozenset({Owner.CUSTOMER, Owner.THIRD_PARTY}),
    "customer": frozenset({Owner.VENDOR, Owner.THIRD_PARTY}),
}
_OWNER_WORDS = {
    Owner.VENDOR: "the vendor",
    Owner.CUSTOMER: "the customer",
    Owner.THIRD_PARTY: "a third party (inherited)",
}


@dataclass(frozen=True)
class ControlStatus:
    """The status of one control with the reason for it."""

    control_id: str
    status: Status
    reason: str
    owner: Owner
    evidence_scopes: int = 0
    results: Mapping[str, int] = field(default_factory=dict)
    newest_observed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "control": self.control_id,
            "status": self.status.value,
            "reason": self.reason,
            "owner": self.owner.value,
            "evidence_scopes": self.evidence_scopes,
            "results": dict(self.results),
            "newest_observed_at": None
            if self.newest_observed_at is None
            else self.newest_observed_at.isoformat().replace("+00:00", "Z"),
        }


# Plain SQL over the stored text form of instants, so 100,000 rows need no per-row datetime parsing.
# The scope comes back as one text (check, account, region, resource joined by a separator that AWS ids never
# contain), which halves the objects built per row.
_LATEST_EVIDENCE = text(
    """
    SELECT ec.control_id,
           COALESCE(e.check_id, '') || char(31) || e.account || char(31) || e.region || char(31) || e.resource,
           e.result, e.observed_at, e.valid_until, e.error_code
    FROM evidence e JOIN evidence_control ec ON ec.evidence_id = e.id
    WHERE e.collected_at <= :as_of
      AND e.id NOT IN (
        SELECT supersedes_id FROM evidence WHERE supersedes_id IS NOT NULL AND collected_at <= :as_of
      )
    """
)
# The same for one control: the control_id index keeps it to that control's rows (a control screen opens at once).
_LATEST_EVIDENCE_OF_ONE = text(
    """
    SELECT ec.control_id,
           COALESCE(e.check_id, '') || char(31) || e.account || char(31) || e.region || char(31) || e.resource,
           e.result, e.observed_at, e.valid_until, e.error_code
    FROM evidence_control ec JOIN evidence e ON e.id = ec.evidence_id
    WHERE ec.control_id = :control_id AND e.collected_at <= :as_of
      AND NOT EXISTS (
        SELECT 1 FROM evidence newer WHERE newer.supersedes_id = e.id AND newer.collected_at <= :as_of
      )
    """
)
_SCOPE_SEPARATOR = "\x1f"
_ACTIVE_EXCEPTIONS = text(
    """
    SELECT control_id, approver, expires_at FROM control_exception
    WHERE created_at <= :as_of AND expires_at > :as_of
    ORDER BY expires_at DESC
    """
)


def control_status(workspace: Workspace, control_id: str, *, as_of: datetime | None = None) -> ControlStatus:
    """Return the status of one control as of an instant (now by default), reading only that control's evidence."""
    return control_statuses(workspace, as_of=as_of, only=control_id)[control_id]


def control_statuses(
    workspace: Workspace, *, as_of: datetime | None = None, only: str | None = None
) -> dict[str, ControlStatus]:
    """Return the status of every control of the library (or of the one named by ``only``) as of an instant."""
    moment = as_of or utc_now()
    stamp = format_stored(moment)
    catalog = workspace.catalog
    owners = responsibilities(workspace, as_of=moment)
    # per control: scope -> (observed_at, valid_until, result, error_code) of the newest record
    newest: dict[str, dict[str, tuple[str, str | None, str, str | None]]] = {}
    exceptions: dict[str, tuple[str, str]] = {}
    store = workspace.store
    rows = (
        store.rows(_LATEST_EVIDENCE, {"as_of": stamp})
        if only is None
        else store.rows(_LATEST_EVIDENCE_OF_ONE, {"as_of": stamp, "control_id": only})
    )
    for control_id, key, result, observed, valid_until, error_code in rows:
        scopes = newest.get(control_id)
        if scopes is None:
            scopes = newest[control_id] = {}
        held = scopes.get(key)
        if held is None or observed > held[0]:
            scopes[key] = (observed, valid_until, result, error_code)
    for control_id, approver, expires_at in store.rows(_ACTIVE_EXCEPTIONS, {"as_of": stamp}):
        exceptions.setdefault(control_id, (approver, expires_at))

    statuses: dict[str, ControlStatus] = {}
    for control in catalog.controls.values():
        if only is not None and control.id != only:
            continue
        statuses[control.id] = _derive(
            control.id,
            owners[control.id],
            role=workspace.settings.role,
            scopes=newest.get(control.id, {}),
            exception=exceptions.get(control.id),
            cadence_days=control.cadence_days,
            cadence=control.cadence,
            as_of=stamp,
        )
    return statuses


def _derive(
    control_id: str,
    responsibility: Responsibility,
    *,
    role: str,
    scopes: Mapping[str, tuple[str, str | None, str, str | None]],
    exception: tuple[str, str] | None,
    cadence_days: int,
    cadence: str,
    as_of: str,
) -> ControlStatus:
    owner = responsibility.owner
    if owner is Owner.NOT_APPLICABLE:
        return ControlStatus(control_id, Status.NOT_APPLICABLE, "marked not applicable to this system", owner)
    if owner in _OTHER_PARTY[role]:
        return ControlStatus(control_id, Status.OTHER_PARTY, f"owned by {_OWNER_WORDS[owner]}", owner)
    if exception is not None:
        approver, expires = exception
        return ControlStatus(
            control_id, Status.EXCEPTED, f"exception approved by {approver}, in force until {expires[:10]}", owner
        )
    if not scopes:
        return ControlStatus(control_id, Status.MISSING, "no evidence recorded", owner)

    fresh: Counter[str] = Counter()
    stale = 0
    expired = 0  # stale because past the valid-until date its evidence gave, not because of the cadence
    first_failure: tuple[str, str, str | None] | None = None
    newest_observed = ""
    # Observed at or after this instant means fresh under the cadence (stored instants compare as text).
    cadence_cutoff = format_stored(parse_stored(as_of) - timedelta(days=cadence_days))
    for key, (observed, valid_until, result, error_code) in scopes.items():
        if observed > newest_observed:
            newest_observed = observed
        if (valid_until < as_of) if valid_until else (observed < cadence_cutoff):
            stale += 1
            expired += 1 if valid_until else 0
            continue
        fresh[result] += 1
        if result in ("fail", "error") and first_failure is None:
            check_id, _account, _region, resource = key.split(_SCOPE_SEPARATOR)
            first_failure = (resource or check_id or "manual evidence", result, error_code)
    details = dict(fresh)
    if stale:
        details["stale"] = stale
    newest = parse_stored(newest_observed)

    def status(kind: Status, reason: str) -> ControlStatus:
        return ControlStatus(control_id, kind, reason, owner, len(scopes), details, newest)

    if fresh["fail"] or fresh["error"]:
        assert first_failure is not None  # noqa: S101 - set whenever a fresh fail or error was counted
        where, result, code = first_failure
        parts = []
        if fresh["fail"]:
            parts.append(f"{fresh['fail']} failing")
        if fresh["error"]:
            parts.append(f"{fresh['error']} could not be checked")
        first = f"{where}: {'error ' + code if result == 'error' and code else result}"
        return status(Status.FAILING, f"{' and '.join(parts)} of {len(scopes)} scopes (first: {first})")
    if fresh["pass"]:
        reason = f"{fresh['pass']} of {len(scopes)} scopes pass"
        if stale:
            reason += f"; {stale} stale"
        return status(Status.PASSING, reason)
    if fresh["info"]:
        return status(Status.MISSING, "only informational evidence; nothing shows the control operating")
    if expired == stale:
        return status(Status.STALE, f"evidence observed {newest_observed[:10]} is past its valid-until date")
    return status(
        Status.STALE,
        f"newest evidence observed {newest_observed[:10]}, older than the {cadence} review cadence"
        + (f" ({expired} of {stale} scopes past their valid-until date)" if expired else ""),
    )
