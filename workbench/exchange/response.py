"""The vendor's side of a customer's answer: check a signed response and turn its answers into evidence.

Each answered row becomes one evidence record with source ``import`` (its files stored as blobs, the answer itself
kept as a raw JSON blob) linked to that control. Nothing is ever overwritten: an answer for a control that the same
customer already answered for the same packet (in this response or an earlier one) is a conflict, reported and left
out, and the record already held stays as it is. An answer to a newer packet is a new evidence record that supersedes
(``supersedes_id``) the record imported earlier for that control from that customer; the old row stays unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from workbench.clock import format_stored, utc_now
from workbench.exchange.packet import PACKET_KIND, RESPONSE_KIND, PacketError, check_signer_pinned, read_packet
from workbench.exchange.shapes import Answer, PacketBody, ResponseBody, parse_body
from workbench.services.attachments import safe_name
from workbench.services.evidence import superseded_by, write_evidence
from workbench.store.digests import canonical_json, packet_digest, sha256_text
from workbench.store.models import Evidence, EvidenceBlob, ExchangeAnswer, ExchangePacket, new_id
from workbench.workspace import Workspace, default_actor


@dataclass(frozen=True)
class Conflict:
    """An answer that was not imported because the same customer already answered that control."""

    control_id: str
    reason: str
    existing_evidence_id: str

    def as_dict(self) -> dict[str, str]:
        """Return a JSON-ready dict."""
        return {"control": self.control_id, "reason": self.reason, "existing_evidence": self.existing_evidence_id}


@dataclass
class ResponseImport:
    """What importing a response did."""

    response_id: str
    packet_id: str
    customer: str
    signer: str
    signer_fingerprint: str
    imported: list[tuple[str, str]] = field(default_factory=list)
    #: control -> the evidence record (imported from an answer to an older packet) the new record supersedes
    superseded: dict[str, str] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    files: int = 0
    files_left_out: int = 0
    #: when this very response was imported before (None when it is new): nothing was written
    already_imported_on: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "response_id": self.response_id,
            "packet_id": self.packet_id,
            "customer": self.customer,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "already_imported": self.already_imported_on is not None,
            "already_imported_on": self.already_imported_on,
            "imported": [
                {"control": control, "evidence": evidence, "supersedes": self.superseded.get(control)}
                for control, evidence in self.imported
            ],
            "conflicts": [conflict.as_dict() for conflict in self.conflicts],
            "unanswered": list(self.unanswered),
            "files": self.files,
            "files_left_out": self.files_left_out,
        }


@dataclass(frozen=True)
class _Prepared:
    answer: Answer
    digest: str
    files: list[tuple[bytes | None, dict[str, Any]]]


def import_response(
    workspace: Workspace, path: Path, *, trust: Path | None = None, actor: str | None = None
) -> ResponseImport:
    """Import a customer's signed response to a packet this workspace issued.

    Everything is checked before anything is written: the signature, the shape, that the packet it answers was
    issued here (a response meant for another workspace is refused), that it answers only rows of that packet, and
    every inline file against its SHA-256. Then the files are stored and the evidence records, the answers and the
    response are written in one transaction.

    Raises:
        PacketError: not a packet, tampered, a vendor packet rather than a response, or meant for another workspace.
    """
    signed = read_packet(path, trust=trust)
    if signed.kind == PACKET_KIND:
        raise PacketError(
            f"{path}: this is a vendor packet, not a customer's response; a customer imports it with "
            "'workbench srm import-vendor'"
        )
    body: ResponseBody = parse_body(ResponseBody, signed.body, str(path))
    if body.issuer.workspace_id == workspace.workspace_id:
        raise PacketError(f"{path}: this response was issued by this very workspace")
    if body.issuer.role != "customer":
        raise PacketError(f"{path}: the response was issued by a {body.issuer.role} workspace, not a customer's")
    issued = _issued_packet(workspace, body, path)
    rows = {row.control: row for row in PacketBody.model_validate(json.loads(issued.body)).rows}
    customer = " / ".join(p for p in (body.issuer.organisation, body.issuer.system) if p) or body.issuer.workspace_id
    check_signer_pinned(
        workspace,
        path=path,
        issuer_workspace_id=body.issuer.workspace_id,
        issuer_name=customer,
        signed=signed,
        trusted=trust is not None,
    )
    result = ResponseImport(
        response_id=body.id,
        packet_id=issued.id,
        customer=customer,
        signer=signed.signer,
        signer_fingerprint=signed.signer_fingerprint,
    )
    with workspace.store.session() as session:
        already = session.get(ExchangePacket, body.id)
    if already is not None:
        result.already_imported_on = format_stored(already.recorded_at)[:10]
        return result  # the same response again: nothing to write
    prepared = _prepare(body, rows, path, workspace)

    held = _held_answers(workspace, body.issuer.workspace_id)
    to_write: list[_Prepared] = []
    supersedes: dict[str, str] = {}
    for item in prepared:
        control_id = item.answer.control
        if not item.answer.attestation and not item.answer.evidence:
            result.unanswered.append(control_id)
            continue
        earlier = held.get(control_id, [])
        same_packet = next((h for h in earlier if h.packet_id == issued.id), None)
        if same_packet is not None:
            if same_packet.answer.answer_sha256 == item.digest:
                reason = f"already imported from response {same_packet.response_id[:8]} on {same_packet.when}"
            else:
                reason = (
                    f"differs from the answer to the same packet imported from response "
                    f"{same_packet.response_id[:8]} on {same_packet.when}; kept that one, nothing overwritten"
                )
            result.conflicts.append(Conflict(control_id, reason, same_packet.answer.evidence_id))
            continue
        newer = next((h for h in earlier if h.packet_created_at > issued.created_at), None)
        if newer is not None:
            reason = (
                f"answers packet {issued.id[:8]}, older than packet {newer.packet_id[:8]} already answered in "
                f"response {newer.response_id[:8]} on {newer.when}; kept that one, nothing overwritten"
            )
            result.conflicts.append(Conflict(control_id, reason, newer.answer.evidence_id))
            continue
        if earlier:
            supersedes[control_id] = _head_of(workspace, earlier[0].answer.evidence_id)
        to_write.append(item)

    who = actor or default_actor()
    now = utc_now()
    store = workspace.store
    if to_write:
        store.check_writable()  # a locked workspace fails here, before any file is stored
    records: list[tuple[Evidence, str, list[EvidenceBlob], ExchangeAnswer]] = []
    for item in to_write:
        record, blobs = _evidence_for(item, body, customer, who, now, workspace)
        record.supersedes_id = supersedes.get(item.answer.control)
        if record.supersedes_id is not None:
            result.superseded[item.answer.control] = record.supersedes_id
        answer = ExchangeAnswer(
            response_id=body.id,
            control_id=item.answer.control,
            customer_workspace_id=body.issuer.workspace_id,
            evidence_id=record.id,
            answer_sha256=item.digest,
        )
        records.append((record, item.answer.control, blobs, answer))
        result.imported.append((item.answer.control, record.id))
        result.files += len(blobs) - 1  # the last one is the answer itself
        result.files_left_out += sum(1 for content, _meta in item.files if content is None)
    packet = ExchangePacket(
        id=body.id,
        kind=RESPONSE_KIND,
        direction="imported",
        issuer_workspace_id=body.issuer.workspace_id,
        issuer_organisation=body.issuer.organisation,
        issuer_system=body.issuer.system,
        in_response_to=issued.id,
        created_at=datetime.fromisoformat(body.created_at.replace("Z", "+00:00")),
        recorded_at=now,
        recorded_by=who,
        body_sha256=signed.body_sha256,
        signer_fingerprint=signed.signer_fingerprint,
        body="",
    )
    with store.transaction(who) as writer:
        writer.add(packet)
        writer.session.flush()
        for record, control_id, blobs, _answer in records:
            write_evidence(writer, record, [control_id], blobs)
        answers = [answer for *_rest, answer in records]
        writer.add(*answers)
        writer.record(kind="packet", entity_id=packet.id, digest=packet_digest(packet, answers))
    return result


@dataclass(frozen=True)
class _Held:
    """An answer imported earlier from the same customer, with the packet it answered."""

    answer: ExchangeAnswer
    response_id: str
    packet_id: str
    packet_created_at: datetime
    when: str


def _held_answers(workspace: Workspace, customer_workspace_id: str) -> dict[str, list[_Held]]:
    """Per control, the answers already imported from this customer, the newest answered packet first."""
    found: dict[str, list[_Held]] = {}
    with workspace.store.session() as session:
        answers = session.exec(
            select(ExchangeAnswer).where(ExchangeAnswer.customer_workspace_id == customer_workspace_id)
        ).all()
        responses = {
            packet.id: packet
            for packet in session.exec(
                select(ExchangePacket).where(col(ExchangePacket.id).in_({a.response_id for a in answers}))
            ).all()
        }
        answered = {
            packet.id: packet
            for packet in session.exec(
                select(ExchangePacket).where(
                    col(ExchangePacket.id).in_({r.in_response_to for r in responses.values() if r.in_response_to})
                )
            ).all()
        }
    for answer in answers:
        response = responses.get(answer.response_id)
        packet = answered.get(response.in_response_to or "") if response is not None else None
        if response is None or packet is None:  # the foreign keys make this impossible; skip rather than guess
            continue
        found.setdefault(answer.control_id, []).append(
            _Held(answer, response.id, packet.id, packet.created_at, format_stored(response.recorded_at)[:10])
        )
    for held in found.values():
        held.sort(key=lambda h: (h.packet_created_at, h.when), reverse=True)
    return found


def _head_of(workspace: Workspace, evidence_id: str) -> str:
    """The newest record of the chain that supersedes ``evidence_id`` (itself when nothing supersedes it)."""
    with workspace.store.session() as session:
        seen = {evidence_id}
        while (newer := superseded_by(session, evidence_id)) is not None and newer not in seen:
            seen.add(newer)
            evidence_id = newer
    return evidence_id


def _issued_packet(workspace: Workspace, body: ResponseBody, path: Path) -> ExchangePacket:
    target = body.in_response_to
    with workspace.store.session() as session:
        issued = session.get(ExchangePacket, target.packet_id)
    if (
        issued is None
        or issued.kind != PACKET_KIND
        or issued.direction != "issued"
        or target.workspace_id != workspace.workspace_id
    ):
        raise PacketError(
            f"{path}: the response answers packet {target.packet_id[:8]} of workspace {target.workspace_id[:8]}, "
            "which this workspace did not issue: it is meant for another workspace"
        )
    if issued.body_sha256 != target.body_sha256:
        raise PacketError(
            f"{path}: the response quotes packet {target.packet_id[:8]} with a different digest than the one issued "
            "here: it answers an altered copy"
        )
    return issued


def _prepare(body: ResponseBody, rows: dict[str, Any], path: Path, workspace: Workspace) -> list[_Prepared]:
    """Check every answer and decode every inline file before anything is written."""
    prepared = []
    seen: set[str] = set()
    catalog = workspace.catalog
    for position, answer in enumerate(body.answers):
        control_id = answer.control
        if control_id in seen:
            raise PacketError(f"{path}: control {control_id} is answered twice")
        seen.add(control_id)
        if control_id not in rows:
            raise PacketError(f"{path}: answers control {control_id}, which the packet did not ask about")
        if catalog.control(control_id) is None:
            raise PacketError(f"{path}: answers control {control_id}, which this workspace's catalog no longer has")
        files: list[tuple[bytes | None, dict[str, Any]]] = []
        for item in answer.evidence:
            for blob in item.blobs:
                meta = blob.model_dump(exclude={"content_base64"})
                if blob.content_base64 is None:
                    files.append((None, meta))
                    continue
                try:
                    content = base64.b64decode(blob.content_base64, validate=True)
                except (binascii.Error, ValueError):
                    raise PacketError(f"{path}: answers.{position}: file {blob.name!r} is not valid base64") from None
                if len(content) != blob.size or hashlib.sha256(content).hexdigest() != blob.sha256:
                    raise PacketError(
                        f"{path}: answers.{position}: file {blob.name!r} does not match its recorded size and SHA-256"
                    )
                files.append((content, meta))
        digest = sha256_text(canonical_json(answer.model_dump(mode="json")))
        prepared.append(_Prepared(answer, digest, files))
    return prepared


def _evidence_for(
    item: _Prepared, body: ResponseBody, customer: str, actor: str, now: datetime, workspace: Workspace
) -> tuple[Evidence, list[EvidenceBlob]]:
    """One evidence record (and its blobs, already stored) for one answer."""
    answer = item.answer
    instants = [e.observed_at for e in answer.evidence]
    if answer.attestation is not None:
        instants.append(answer.attestation.attested_at)
    observed = min(datetime.fromisoformat(max(instants).replace("Z", "+00:00")), now)
    results = {e.result for e in answer.evidence}
    if results & {"fail", "error"}:
        result = "fail"
    elif answer.attestation is not None or "pass" in results:
        result = "pass"
    else:
        result = "info"
    lines = [f"Customer answer from {customer}, response {body.id[:8]} (status there: {answer.status})."]
    if answer.attestation is not None:
        lines.append(f"Attestation by {answer.attestation.attested_by}: {answer.attestation.text}")
    for evidence in answer.evidence:
        summary = f"{evidence.source} {evidence.result} observed {evidence.observed_at[:10]}"
        if evidence.check_id:
            summary += f" by {evidence.check_id}"
        if evidence.note:
            summary += f": {evidence.note}"
        lines.append(f"- {summary}")
    left_out = [meta for content, meta in item.files if content is None]
    for meta in left_out:
        lines.append(f"- file {meta['name']} ({meta['size']:,} bytes, SHA-256 {meta['sha256']}) was not included")
    record = Evidence(
        id=new_id(),
        source="import",
        account="",
        region="",
        resource=f"customer:{body.issuer.workspace_id}",
        result=result,
        observed_at=observed,
        collected_at=now,
        valid_until=None,
        collected_by=actor,
        note="\n".join(lines),
    )
    store = workspace.store
    blobs: list[EvidenceBlob] = []
    stored_hashes: set[str] = set()
    for content, meta in item.files:
        if content is None or meta["sha256"] in stored_hashes:
            continue
        stored = store.blobs.put_stream(io.BytesIO(content))
        stored_hashes.add(stored.sha256)
        blobs.append(
            EvidenceBlob(
                evidence_id=record.id,
                position=len(blobs),
                sha256=stored.sha256,
                name=safe_name(str(meta["name"])),
                size=stored.size,
                media_type=str(meta["media_type"])[:127] or "application/octet-stream",
                role=str(meta["role"]),
            )
        )
    raw = canonical_json(_without_contents(answer)).encode("utf-8")
    stored = store.blobs.put_stream(io.BytesIO(raw))
    blobs.append(
        EvidenceBlob(
            evidence_id=record.id,
            position=len(blobs),
            sha256=stored.sha256,
            name="customer-answer.json",
            size=stored.size,
            media_type="application/json",
            role="raw",
        )
    )
    return record, blobs


def _without_contents(answer: Answer) -> dict[str, Any]:
    data = answer.model_dump(mode="json")
    for evidence in data["evidence"]:
        for blob in evidence["blobs"]:
            blob.pop("content_base64", None)
    return data
