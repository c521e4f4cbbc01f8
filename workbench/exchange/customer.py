"""The customer's side of the exchange: import a vendor's packet, attest to rows, send back a signed response.

The vendor's rows are kept exactly as signed (the packet body is stored and never changed) and the response quotes
them by the packet's id and digest, so nothing the customer edits locally can alter what the vendor said. Rows the
vendor owns are the customer's inherited controls: in a customer workspace their status is the other party's.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlmodel import col, select

from workbench.catalog.schema import ControlSpec
from workbench.clock import format_stored, utc_now
from workbench.errors import InputError
from workbench.exchange.packet import (
    FORMAT_VERSION,
    PACKET_KIND,
    RESPONSE_KIND,
    PacketError,
    SigningKey,
    canonical_body,
    check_signer_pinned,
    packet_bytes,
    printable,
    read_packet,
    sign_packet,
)
from workbench.exchange.shapes import MAX_EVIDENCE_PER_ANSWER, PacketBody, Row, parse_body
from workbench.reports.atomic_file import AtomicFile
from workbench.services.evidence import get_evidence
from workbench.services.ownership import responsibilities
from workbench.services.status import control_statuses
from workbench.store.digests import attestation_digest, ownership_digest, packet_digest
from workbench.store.models import Attestation, ExchangePacket, OwnershipChange, new_id
from workbench.workspace import Workspace, default_actor

#: Owners whose rows the customer inherits from the vendor (shown as inherited, status the other party's).
INHERITED_OWNERS = frozenset({"vendor", "third_party", "shared_vendor_third_party"})
#: Files larger than this travel as their hash only; the response says the content was left out.
MAX_INLINE_BLOB = 8 * 1024 * 1024
#: All inline files of one response together stay under this.
MAX_INLINE_TOTAL = 64 * 1024 * 1024
_NONE_PARTS = frozenset({"", "none", "none."})


@dataclass(frozen=True)
class VendorImport:
    """What importing a vendor packet did."""

    packet_id: str
    vendor: str
    rows: list[Row]
    added_controls: list[str]
    owner_changes: list[str]
    signer: str
    signer_fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "packet_id": self.packet_id,
            "vendor": self.vendor,
            "rows": [view_of(row) for row in self.rows],
            "added_controls": list(self.added_controls),
            "owner_changes": list(self.owner_changes),
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
        }


def view_of(row: Row) -> dict[str, Any]:
    """A vendor row as the customer sees it: inherited, the customer's, or shared."""
    owner = row.owner.value
    if owner in INHERITED_OWNERS:
        side = "inherited"
    elif owner == "not_applicable":
        side = "not applicable"
    elif owner == "customer":
        side = "customer"
    else:
        side = "shared"
    return {
        "control": row.control,
        "title": row.title,
        "owner": owner,
        "view": side,
        "to_fill": is_customer_row(row),
        "vendor_part": row.vendor_part,
        "customer_part": row.customer_part,
    }


def is_customer_row(row: Row) -> bool:
    """True when the customer has a part to play in the row (and so an answer to give)."""
    if row.owner.value == "not_applicable":
        return False
    return row.owner.value in ("customer", "shared") or row.customer_part.strip().lower() not in _NONE_PARTS


def import_vendor(
    workspace: Workspace, path: Path, *, trust: Path | None = None, actor: str | None = None
) -> VendorImport:
    """Import a vendor's signed SRM packet into this customer workspace.

    The packet is stored as signed; controls the workspace's catalog lacks are added as catalog entries (source
    ``vendor-packet``) so evidence can be attached to them; where the vendor's owner or parts differ from the
    workspace's, an ownership change records the vendor's. All in one transaction.

    Raises:
        PacketError: not a packet, tampered, a response rather than a vendor packet, issued by this workspace, or
            already imported.
        InputError: this is not a customer workspace.
    """
    signed = read_packet(path, trust=trust)
    if signed.kind == RESPONSE_KIND:
        raise PacketError(
            f"{path}: this is a customer's response, not a vendor packet; a vendor imports it with "
            "'workbench srm import-response'"
        )
    body: PacketBody = parse_body(PacketBody, signed.body, str(path))
    if workspace.settings.role != "customer":
        raise InputError(
            f"{path}: a vendor packet is imported into a customer workspace, and {workspace.path} is a vendor "
            "workspace (create one with 'workbench init --role customer')"
        )
    if body.issuer.workspace_id == workspace.workspace_id:
        raise PacketError(f"{path}: this packet was issued by this very workspace; import it in the customer's")
    if body.issuer.role != "vendor":
        raise PacketError(f"{path}: the packet was issued by a {body.issuer.role} workspace, not a vendor's")
    controls_seen: set[str] = set()
    for row in body.rows:
        if row.control in controls_seen:
            raise PacketError(f"{path}: not a usable packet: control {row.control} appears twice")
        controls_seen.add(row.control)
    vendor = " / ".join(p for p in (body.issuer.organisation, body.issuer.system) if p) or body.issuer.workspace_id
    with workspace.store.session() as session:
        earlier = session.get(ExchangePacket, body.id)
        other_vendor = session.exec(
            select(ExchangePacket)
            .where(
                ExchangePacket.kind == PACKET_KIND,
                ExchangePacket.direction == "imported",
                ExchangePacket.issuer_workspace_id != body.issuer.workspace_id,
            )
            .order_by(col(ExchangePacket.recorded_at))
            .limit(1)
        ).first()
    if other_vendor is not None:
        holder = " / ".join(p for p in (other_vendor.issuer_organisation, other_vendor.issuer_system) if p)
        raise PacketError(
            f"{path}: this packet is from {printable(vendor)} (workspace {body.issuer.workspace_id}), but this "
            f"customer workspace holds the matrix of {printable(holder or 'another vendor')} "
            f"({other_vendor.issuer_workspace_id}); "
            "use one workspace per vendor: workbench init --role customer in a new directory and import it there"
        )
    check_signer_pinned(
        workspace,
        path=path,
        issuer_workspace_id=body.issuer.workspace_id,
        issuer_name=vendor,
        signed=signed,
        trusted=trust is not None,
    )
    if earlier is not None:
        raise PacketError(
            f"{path}: packet {body.id} was already imported on {format_stored(earlier.recorded_at)[:10]}; "
            "nothing changed"
        )

    catalog = workspace.catalog
    who = actor or default_actor()
    now = utc_now()
    try:
        new_specs = [_control_spec(row, workspace) for row in body.rows if catalog.control(row.control) is None]
    except ValidationError as exc:
        error = exc.errors()[0]
        raise PacketError(
            f"{path}: not a usable packet: a row cannot become a control here: "
            f"{'.'.join(str(step) for step in error['loc'])}: {error['msg']}"
        ) from None
    current = responsibilities(workspace)
    changes = []
    for row in body.rows:
        held = current.get(row.control)
        if held is None:
            continue
        if (held.owner.value, held.vendor_part, held.customer_part) != (
            row.owner.value,
            row.vendor_part,
            row.customer_part,
        ):
            changes.append(
                OwnershipChange(
                    id=new_id(),
                    control_id=row.control,
                    owner=row.owner.value,
                    vendor_part=row.vendor_part,
                    customer_part=row.customer_part,
                    changed_at=now,
                    changed_by=who,
                    note=f"from vendor packet {body.id} ({vendor})",
                )
            )
    record = ExchangePacket(
        id=body.id,
        kind=PACKET_KIND,
        direction="imported",
        issuer_workspace_id=body.issuer.workspace_id,
        issuer_organisation=body.issuer.organisation,
        issuer_system=body.issuer.system,
        in_response_to=None,
        created_at=_parse_instant(body.created_at),
        recorded_at=now,
        recorded_by=who,
        body_sha256=signed.body_sha256,
        signer_fingerprint=signed.signer_fingerprint,
        body=canonical_body(signed.body).decode("utf-8"),
    )
    with workspace.store.transaction(who) as writer:
        if new_specs:
            from workbench.services.catalog_entries import add_catalog_entries

            add_catalog_entries(
                workspace, controls=new_specs, source="vendor-packet", origin=body.id, actor=who, writer=writer
            )
        for change in changes:
            writer.add(change)
            writer.record(kind="ownership", entity_id=change.id, digest=ownership_digest(change))
        writer.add(record)
        writer.record(kind="packet", entity_id=record.id, digest=packet_digest(record, []))
    if new_specs:
        workspace.reload_catalog()
    return VendorImport(
        packet_id=body.id,
        vendor=vendor,
        rows=list(body.rows),
        added_controls=[spec.id for spec in new_specs],
        owner_changes=[change.control_id for change in changes],
        signer=signed.signer,
        signer_fingerprint=signed.signer_fingerprint,
    )


def _control_spec(row: Row, workspace: Workspace) -> ControlSpec:
    """A catalog entry for a vendor control this workspace lacks; mappings to frameworks it lacks are left out."""
    catalog = workspace.catalog
    maps: dict[str, list[str]] = {}
    for framework_id, requirement_ids in row.requirements.items():
        framework = catalog.framework(framework_id)
        if framework is None:
            continue
        known = [rid for rid in requirement_ids if framework.requirement(rid) is not None]
        if known:
            maps[framework_id] = known
    return ControlSpec(
        id=row.control,
        title=row.title,
        domain=row.domain,
        description=row.description,
        owner=row.owner,
        vendor_part=row.vendor_part,
        customer_part=row.customer_part,
        cadence=row.cadence,
        checks=[],
        maps=maps,
    )


def _parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class ImportedPacket:
    """A vendor packet held by this customer workspace."""

    record: ExchangePacket
    body: PacketBody

    def row(self, control_id: str) -> Row | None:
        """The packet's row for a control, or None."""
        return next((row for row in self.body.rows if row.control == control_id), None)


def imported_packet(workspace: Workspace, packet_id: str | None = None) -> ImportedPacket:
    """The vendor packet named by ``packet_id`` (a prefix of 6 or more characters), or the newest imported.

    Raises:
        InputError: none imported yet, or no such packet.
    """
    with workspace.store.session() as session:
        query = select(ExchangePacket).where(ExchangePacket.kind == PACKET_KIND, ExchangePacket.direction == "imported")
        if packet_id is not None:
            needle = packet_id.strip().lower()
            if len(needle) < 6:
                raise InputError(f"packet id {packet_id!r} is too short; give at least 6 characters")
            query = query.where(col(ExchangePacket.id).startswith(needle, autoescape=True))
        found = session.exec(query.order_by(col(ExchangePacket.recorded_at).desc())).first()
    if found is None:
        if packet_id is not None:
            raise InputError(f"no imported vendor packet {packet_id!r}")
        raise InputError("no vendor packet imported yet; import one with 'workbench srm import-vendor PACKET'")
    return ImportedPacket(found, PacketBody.model_validate(json.loads(found.body)))


def attest(
    workspace: Workspace,
    control_id: str,
    *,
    text: str,
    packet_id: str | None = None,
    actor: str | None = None,
) -> Attestation:
    """Record the customer's attestation for a row of the vendor's packet (sent back with the next response).

    Raises:
        InputError: not a customer workspace, no packet imported, the control is not a row of it, or empty text.
    """
    if workspace.settings.role != "customer":
        raise InputError("attestations are a customer's answers to a vendor packet; this is a vendor workspace")
    statement = text.strip()
    if not statement:
        raise InputError("the attestation needs its text (--text)")
    if len(statement) > 20_000:
        raise InputError("the attestation text is longer than 20,000 characters")
    packet = imported_packet(workspace, packet_id)
    wanted = control_id.strip().upper()
    row = packet.row(wanted)
    if row is None:
        raise InputError(f"control {control_id!r} is not a row of vendor packet {packet.record.id[:8]}")
    record = Attestation(
        id=new_id(),
        control_id=row.control,
        packet_id=packet.record.id,
        text=statement,
        attested_at=utc_now(),
        attested_by=actor or default_actor(),
    )
    with workspace.store.transaction(record.attested_by) as writer:
        writer.add(record)
        writer.record(kind="attestation", entity_id=record.id, digest=attestation_digest(record))
    return record


@dataclass
class Response:
    """What ``respond`` wrote."""

    path: Path
    response_id: str
    packet_id: str
    answers: int
    answered: int
    evidence: int
    files_inline: int
    files_left_out: list[str] = field(default_factory=list)
    size: int = 0
    signer: str = ""
    signer_fingerprint: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return dict(self.__dict__, path=str(self.path))


def respond(
    workspace: Workspace,
    *,
    out: Path,
    signing_key: SigningKey,
    packet_id: str | None = None,
    actor: str | None = None,
) -> Response:
    """Write the signed response to a vendor packet: per row the customer plays a part in, its attestation, its
    status here and its evidence (attachments inline up to a size bound), and record it in the ledger.

    Raises:
        InputError: not a customer workspace, or no packet imported.
    """
    if workspace.settings.role != "customer":
        raise InputError("a response answers a vendor packet from a customer workspace; this is a vendor workspace")
    packet = imported_packet(workspace, packet_id)
    statuses = control_statuses(workspace)
    attestations = _latest_attestations(workspace, packet.record.id)
    in_force = _evidence_in_force(workspace)
    now = utc_now()
    budget = [MAX_INLINE_TOTAL]
    left_out: list[str] = []
    inline = 0
    answers = []
    evidence_count = 0
    for row in packet.body.rows:
        attestation = attestations.get(row.control)
        if not is_customer_row(row) and attestation is None:
            continue
        evidence = _evidence_of(workspace, row.control, in_force.get(row.control, []), budget, left_out)
        inline += sum(1 for item in evidence for blob in item["blobs"] if blob["content_base64"] is not None)
        evidence_count += len(evidence)
        status = statuses.get(row.control)
        answers.append(
            {
                "control": row.control,
                "status": status.status.value if status is not None else "unknown",
                "attestation": None
                if attestation is None
                else {
                    "text": attestation.text,
                    "attested_at": format_stored(attestation.attested_at),
                    "attested_by": attestation.attested_by,
                },
                "evidence": evidence,
            }
        )
    settings = workspace.settings
    body: dict[str, Any] = {
        "kind": RESPONSE_KIND,
        "format": FORMAT_VERSION,
        "id": new_id(),
        "created_at": format_stored(now),
        "issuer": {
            "workspace_id": workspace.workspace_id,
            "organisation": settings.organisation,
            "system": settings.system,
            "role": settings.role,
        },
        "in_response_to": {
            "packet_id": packet.record.id,
            "workspace_id": packet.record.issuer_workspace_id,
            "body_sha256": packet.record.body_sha256,
        },
        "answers": answers,
    }
    document = sign_packet(body, signing_key)
    data = packet_bytes(document)
    who = actor or default_actor()
    record = ExchangePacket(
        id=body["id"],
        kind=RESPONSE_KIND,
        direction="issued",
        issuer_workspace_id=workspace.workspace_id,
        issuer_organisation=settings.organisation,
        issuer_system=settings.system,
        in_response_to=packet.record.id,
        created_at=now,
        recorded_at=now,
        recorded_by=who,
        body_sha256=document["signature"]["body_sha256"],
        signer_fingerprint=signing_key.fingerprint,
        body="",
    )
    with AtomicFile(out) as handle:
        handle.write(data)
        with workspace.store.transaction(who) as writer:
            writer.add(record)
            writer.record(kind="packet", entity_id=record.id, digest=packet_digest(record, []))
        handle.commit()
    answered = sum(1 for answer in answers if answer["attestation"] is not None or answer["evidence"])
    return Response(
        path=out,
        response_id=body["id"],
        packet_id=packet.record.id,
        answers=len(answers),
        answered=answered,
        evidence=evidence_count,
        files_inline=inline,
        files_left_out=left_out,
        size=len(data),
        signer=signing_key.certificate.subject.rfc4514_string(),
        signer_fingerprint=signing_key.fingerprint,
    )


def latest_attestations(workspace: Workspace, packet_id: str) -> dict[str, Attestation]:
    """The newest attestation per control to an imported vendor packet (what the next response carries)."""
    return _latest_attestations(workspace, packet_id)


def _latest_attestations(workspace: Workspace, packet_id: str) -> dict[str, Attestation]:
    with workspace.store.session() as session:
        rows = session.exec(
            select(Attestation)
            .where(Attestation.packet_id == packet_id)
            .order_by(col(Attestation.attested_at), col(Attestation.id))
        ).all()
    return {row.control_id: row for row in rows}  # the newest per control wins


_IN_FORCE = text(
    """
    SELECT ec.control_id, e.id FROM evidence_control ec JOIN evidence e ON e.id = ec.evidence_id
    WHERE NOT EXISTS (SELECT 1 FROM evidence newer WHERE newer.supersedes_id = e.id)
    ORDER BY e.observed_at DESC, e.id
    """
)


def _evidence_in_force(workspace: Workspace) -> dict[str, list[str]]:
    """Per control, the ids of its evidence records that nothing supersedes, newest first (one query for all)."""
    found: dict[str, list[str]] = {}
    for control_id, evidence_id in workspace.store.rows(_IN_FORCE, {}):
        ids = found.setdefault(control_id, [])
        if len(ids) < MAX_EVIDENCE_PER_ANSWER:
            ids.append(evidence_id)
    return found


def _evidence_of(
    workspace: Workspace, control_id: str, evidence_ids: list[str], budget: list[int], left_out: list[str]
) -> list[dict[str, Any]]:
    """The control's evidence in force (newest first), with files inline while they fit the budget."""
    items = []
    for evidence_id in evidence_ids:
        view = get_evidence(workspace, evidence_id)
        record = view.record
        blobs = []
        for blob in view.blobs:
            content: str | None = None
            if blob.size <= MAX_INLINE_BLOB and blob.size <= budget[0]:
                with workspace.store.blobs.open(blob.sha256) as handle:
                    content = base64.b64encode(handle.read()).decode("ascii")
                budget[0] -= blob.size
            else:
                left_out.append(f"{blob.name} ({blob.size:,} bytes) of evidence {record.id[:8]} for {control_id}")
            blobs.append(
                {
                    "sha256": blob.sha256,
                    "name": blob.name,
                    "size": blob.size,
                    "media_type": blob.media_type,
                    "role": blob.role,
                    "content_base64": content,
                }
            )
        items.append(
            {
                "id": record.id,
                "source": record.source,
                "check_id": record.check_id,
                "result": record.result,
                "observed_at": format_stored(record.observed_at),
                "valid_until": None if record.valid_until is None else format_stored(record.valid_until),
                "account": record.account,
                "region": record.region,
                "resource": record.resource,
                "note": record.note,
                "blobs": blobs,
            }
        )
    return items


def rows_view(workspace: Workspace, packet_id: str | None = None) -> tuple[ImportedPacket, list[dict[str, Any]]]:
    """The imported packet's rows as the customer sees them (inherited, shared or the customer's)."""
    packet = imported_packet(workspace, packet_id)
    return packet, [view_of(row) for row in packet.body.rows]
