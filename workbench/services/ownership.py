"""Who owns each control: the library's default, or the newest change recorded in this workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from workbench.catalog import OWNERS, Owner
from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.services.evidence import resolve_control_ids
from workbench.store.database import Writer
from workbench.store.digests import ownership_digest
from workbench.store.models import OwnershipChange, new_id
from workbench.workspace import Workspace, default_actor


@dataclass(frozen=True)
class Responsibility:
    """The owner of a control and each side's part, as in force now."""

    control_id: str
    owner: Owner
    vendor_part: str
    customer_part: str
    #: ``library`` when nobody changed it in this workspace, else ``workspace``
    origin: str
    changed_at: datetime | None = None
    changed_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "control": self.control_id,
            "owner": self.owner.value,
            "vendor_part": self.vendor_part,
            "customer_part": self.customer_part,
            "origin": self.origin,
            "changed_at": None if self.changed_at is None else self.changed_at.isoformat().replace("+00:00", "Z"),
            "changed_by": self.changed_by,
        }


def responsibilities(workspace: Workspace, *, as_of: datetime | None = None) -> dict[str, Responsibility]:
    """Return the responsibility in force for every control of the library, now or as of an instant."""
    catalog = workspace.catalog
    current = {
        control.id: Responsibility(control.id, control.owner, control.vendor_part, control.customer_part, "library")
        for control in catalog.controls.values()
    }
    with workspace.store.session() as session:
        query = select(OwnershipChange)
        if as_of is not None:
            query = query.where(col(OwnershipChange.changed_at) <= as_of)
        changes = session.exec(query.order_by(col(OwnershipChange.changed_at), col(OwnershipChange.id))).all()
    for change in changes:
        if change.control_id in current:
            current[change.control_id] = Responsibility(
                change.control_id,
                Owner(change.owner),
                change.vendor_part,
                change.customer_part,
                "workspace",
                change.changed_at,
                change.changed_by,
            )
    return current


def set_owner(
    workspace: Workspace,
    control_id: str,
    *,
    owner: str,
    vendor_part: str | None = None,
    customer_part: str | None = None,
    note: str = "",
    actor: str | None = None,
    writer: Writer | None = None,
) -> Responsibility:
    """Record a new owner (and optionally new wording of each side's part) for a control.

    With ``writer`` the change joins the caller's transaction (and the returned responsibility is the new one,
    computed without reading the uncommitted change back).

    Raises:
        InputError: an unknown control or owner.
    """
    resolved = resolve_control_ids(workspace.catalog, [control_id])[0]
    if owner not in OWNERS:
        raise InputError(f"owner {owner!r} is not one of {', '.join(OWNERS)}")
    if vendor_part is None or customer_part is None:
        # only a part left as it was needs the responsibility in force (reading it is O(changes), per call)
        before = responsibilities(workspace)[resolved]
        vendor_part = before.vendor_part if vendor_part is None else vendor_part
        customer_part = before.customer_part if customer_part is None else customer_part
    change = OwnershipChange(
        id=new_id(),
        control_id=resolved,
        owner=owner,
        vendor_part=vendor_part.strip() or "None.",
        customer_part=customer_part.strip() or "None.",
        changed_at=utc_now(),
        changed_by=actor or (writer.actor if writer is not None else default_actor()),
        note=note.strip(),
    )
    if writer is not None:
        writer.add(change)
        writer.record(kind="ownership", entity_id=change.id, digest=ownership_digest(change))
        return Responsibility(
            resolved,
            Owner(change.owner),
            change.vendor_part,
            change.customer_part,
            "workspace",
            change.changed_at,
            change.changed_by,
        )
    with workspace.store.transaction(change.changed_by) as active:
        active.add(change)
        active.record(kind="ownership", entity_id=change.id, digest=ownership_digest(change))
    return responsibilities(workspace)[resolved]
