"""Exceptions: accepted deviations from a control, each with a rationale, an approver and an expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.services.evidence import resolve_control_ids
from workbench.store.digests import exception_digest
from workbench.store.models import ControlException, new_id
from workbench.workspace import Workspace, default_actor


def add_exception(
    workspace: Workspace,
    *,
    control_id: str,
    rationale: str,
    approver: str,
    expires_at: datetime,
    actor: str | None = None,
) -> ControlException:
    """Record an exception for a control.

    Raises:
        InputError: an unknown control, an empty rationale or approver, or an expiry in the past.
    """
    resolved = resolve_control_ids(workspace.catalog, [control_id])[0]
    if not rationale.strip():
        raise InputError("an exception needs a rationale (--rationale)")
    if not approver.strip():
        raise InputError("an exception needs an approver (--approver)")
    now = utc_now()
    if expires_at <= now:
        raise InputError(f"expiry {expires_at.isoformat()} is already past; an exception must expire in the future")
    exception = ControlException(
        id=new_id(),
        control_id=resolved,
        rationale=rationale.strip(),
        approver=approver.strip(),
        expires_at=expires_at,
        created_at=now,
        created_by=actor or default_actor(),
    )
    with workspace.store.transaction(exception.created_by) as writer:
        writer.add(exception)
        writer.record(kind="exception", entity_id=exception.id, digest=exception_digest(exception))
    return exception


def list_exceptions(workspace: Workspace, *, control_id: str | None = None) -> list[ControlException]:
    """Return exceptions, newest first, optionally for one control."""
    query = select(ControlException).order_by(col(ControlException.created_at).desc())
    if control_id is not None:
        query = query.where(ControlException.control_id == resolve_control_ids(workspace.catalog, [control_id])[0])
    with workspace.store.session() as session:
        return list(session.exec(query).all())


def exception_as_dict(exception: ControlException) -> dict[str, Any]:
    """Return a JSON-ready dict of an exception."""
    return {
        "id": exception.id,
        "control": exception.control_id,
        "rationale": exception.rationale,
        "approver": exception.approver,
        "expires_at": exception.expires_at.isoformat().replace("+00:00", "Z"),
        "created_at": exception.created_at.isoformat().replace("+00:00", "Z"),
        "created_by": exception.created_by,
    }
