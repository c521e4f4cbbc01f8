"""Evidence: add manual records with attachments, supersede them, list and show them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from workbench.catalog import Catalog
from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.services.attachments import Attachment, check_attachment
from workbench.store.database import Writer
from workbench.store.digests import evidence_digest
from workbench.store.models import Evidence, EvidenceBlob, EvidenceControl, new_id
from workbench.workspace import Workspace, default_actor

RESULTS = ("pass", "fail", "error", "info")
SOURCES = ("manual", "check", "import")
#: How far in the future an observation may claim to be, for clocks that disagree a little.
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class BlobRef:
    """A blob of a piece of evidence, as shown to users."""

    position: int
    sha256: str
    name: str
    size: int
    media_type: str
    role: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class EvidenceView:
    """One evidence record with everything attached to it."""

    record: Evidence
    control_ids: tuple[str, ...]
    blobs: tuple[BlobRef, ...]
    superseded_by: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        record = self.record
        return {
            "id": record.id,
            "source": record.source,
            "check_id": record.check_id,
            "check_version": record.check_version,
            "scope": {"account": record.account, "region": record.region, "resource": record.resource},
            "result": record.result,
            "error_code": record.error_code,
            "observed_at": _iso(record.observed_at),
            "collected_at": _iso(record.collected_at),
            "valid_until": _iso(record.valid_until),
            "collected_by": record.collected_by,
            "note": record.note,
            "supersedes": record.supersedes_id,
            "superseded_by": self.superseded_by,
            "run_id": record.run_id,
            "controls": list(self.control_ids),
            "blobs": [blob.as_dict() for blob in self.blobs],
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def resolve_control_ids(catalog: Catalog, control_ids: Iterable[str]) -> tuple[str, ...]:
    """Return the canonical ids of the named controls, in order, without repeats.

    Raises:
        InputError: naming the first unknown control id.
    """
    resolved: list[str] = []
    for raw in control_ids:
        control = catalog.control(raw.strip())
        if control is None:
            raise InputError(f"unknown control {raw!r}; 'workbench control list' shows the ids")
        resolved.append(control.id)
    if not resolved:
        raise InputError("name at least one control with --control")
    return tuple(dict.fromkeys(resolved))


def write_evidence(writer: Writer, record: Evidence, control_ids: Sequence[str], blobs: Sequence[EvidenceBlob]) -> None:
    """Add one evidence record with its control links and blobs to a transaction, and record it in the ledger.

    The blobs must already be in the blob store. Collectors and imports call this for each record they write.
    """
    writer.add(record)
    writer.session.flush()
    writer.add(*(EvidenceControl(evidence_id=record.id, control_id=control_id) for control_id in control_ids))
    writer.add(*blobs)
    writer.record(kind="evidence", entity_id=record.id, digest=evidence_digest(record, control_ids, blobs))


def add_manual_evidence(
    workspace: Workspace,
    *,
    control_ids: Sequence[str],
    attachments: Sequence[str | Path] = (),
    note: str = "",
    observed_at: datetime | None = None,
    valid_until: datetime | None = None,
    result: str = "pass",
    supersedes: str | None = None,
    actor: str | None = None,
) -> EvidenceView:
    """Record manual evidence: a note and attachments that show one or more controls operating.

    Everything is checked before anything is written; the attachments are streamed into the blob store, then the
    record, its links and its ledger entry are written in one transaction.

    Raises:
        InputError: an unknown control, a bad attachment, a date out of order, an unknown record to supersede.
    """
    controls = resolve_control_ids(workspace.catalog, control_ids)
    if result not in RESULTS:
        raise InputError(f"result {result!r} is not one of {', '.join(RESULTS)}")
    checked: list[Attachment] = []
    for path in attachments:
        attachment = check_attachment(path)
        if all(attachment.resolved != seen.resolved for seen in checked):  # the same file named twice counts once
            checked.append(attachment)
    if not checked and not note.strip():
        raise InputError("evidence needs a note (--note) or at least one attachment (--attach)")
    now = utc_now()
    observed = observed_at or now
    if observed > now + _CLOCK_SKEW:
        raise InputError(f"observed-at {_iso(observed)} is in the future")
    if valid_until is not None and valid_until <= observed:
        raise InputError(f"valid-until {_iso(valid_until)} is not after observed-at {_iso(observed)}")
    store = workspace.store
    replaced: str | None = None
    if supersedes is not None:
        with store.session() as session:
            replaced = find_evidence_id(session, supersedes)
            newer = superseded_by(session, replaced)
            if newer is not None:
                raise InputError(f"evidence {replaced} is already superseded by {newer}; supersede that one instead")

    record = Evidence(
        id=new_id(),
        source="manual",
        result=result,
        observed_at=observed,
        collected_at=now,
        valid_until=valid_until,
        collected_by=actor or default_actor(),
        note=note.strip(),
        supersedes_id=replaced,
    )
    blob_rows: list[EvidenceBlob] = []
    if checked:
        store.check_writable()  # a workspace locked by someone else fails here, before any blob is stored
    for position, attachment in enumerate(checked):
        try:
            with attachment.resolved.open("rb") as source:
                stored = store.blobs.put_stream(source)
        except OSError as exc:
            raise InputError(f"attachment {attachment.named}: cannot read it ({exc.strerror})") from None
        blob_rows.append(
            EvidenceBlob(
                evidence_id=record.id,
                position=position,
                sha256=stored.sha256,
                name=attachment.name,
                size=stored.size,
                media_type=attachment.media_type,
                role="attachment",
            )
        )
    with store.transaction(actor or default_actor()) as writer:
        if replaced is not None and superseded_by(writer.session, replaced) is not None:
            raise InputError(f"evidence {replaced} was superseded by someone else meanwhile; nothing written")
        write_evidence(writer, record, controls, blob_rows)
    return get_evidence(workspace, record.id)


def find_evidence_id(session: Session, id_or_prefix: str) -> str:
    """Return the full id of the evidence record that ``id_or_prefix`` names (at least 6 characters).

    Raises:
        InputError: no record, or several records, start with it.
    """
    needle = id_or_prefix.strip().lower()
    if len(needle) < 6:
        raise InputError(f"evidence id {id_or_prefix!r} is too short; give at least 6 characters")
    matches = session.exec(
        select(Evidence.id).where(col(Evidence.id).startswith(needle, autoescape=True)).limit(2)
    ).all()
    if not matches:
        raise InputError(f"no evidence record {id_or_prefix!r}")
    if len(matches) > 1:
        raise InputError(f"evidence id {id_or_prefix!r} is ambiguous; give more characters")
    return matches[0]


def superseded_by(session: Session, evidence_id: str) -> str | None:
    """Return the id of the record that supersedes ``evidence_id``, or None."""
    return session.exec(select(Evidence.id).where(Evidence.supersedes_id == evidence_id).limit(1)).first()


def get_evidence(workspace: Workspace, id_or_prefix: str) -> EvidenceView:
    """Return one evidence record with its controls and blobs.

    Raises:
        InputError: no such record (or an ambiguous prefix).
    """
    with workspace.store.session() as session:
        evidence_id = find_evidence_id(session, id_or_prefix)
        record = session.get(Evidence, evidence_id)
        assert record is not None  # noqa: S101 - found by id just above, in the same snapshot
        controls = session.exec(
            select(EvidenceControl.control_id)
            .where(EvidenceControl.evidence_id == evidence_id)
            .order_by(col(EvidenceControl.control_id))
        ).all()
        blobs = session.exec(
            select(EvidenceBlob).where(EvidenceBlob.evidence_id == evidence_id).order_by(col(EvidenceBlob.position))
        ).all()
        return EvidenceView(
            record=record,
            control_ids=tuple(controls),
            blobs=tuple(BlobRef(b.position, b.sha256, b.name, b.size, b.media_type, b.role) for b in blobs),
            superseded_by=superseded_by(session, evidence_id),
        )


@dataclass(frozen=True)
class EvidenceRow:
    """One line of an evidence list."""

    id: str
    source: str
    check_id: str | None
    result: str
    observed_at: datetime
    valid_until: datetime | None
    account: str
    region: str
    resource: str
    controls: tuple[str, ...]
    attachments: int
    note: str
    superseded: bool

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data = dict(self.__dict__)
        data["observed_at"] = _iso(self.observed_at)
        data["valid_until"] = _iso(self.valid_until)
        data["controls"] = list(self.controls)
        return data


def list_evidence(
    workspace: Workspace,
    *,
    control_id: str | None = None,
    include_superseded: bool = False,
    run_id: str | None = None,
    result: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[EvidenceRow], int]:
    """Return one page of evidence, newest observation first, and the total number of matching records; optionally
    only a control's, a collection run's, or those of one result."""
    if control_id is not None:
        control_id = resolve_control_ids(workspace.catalog, [control_id])[0]
    replaced = select(Evidence.supersedes_id).where(col(Evidence.supersedes_id).is_not(None))
    query = select(Evidence)
    count_query = select(func.count()).select_from(Evidence)
    if run_id is not None:
        query = query.where(Evidence.run_id == run_id)
        count_query = count_query.where(Evidence.run_id == run_id)
    if result is not None:
        query = query.where(Evidence.result == result)
        count_query = count_query.where(Evidence.result == result)
    if control_id is not None:
        linked = select(EvidenceControl.evidence_id).where(EvidenceControl.control_id == control_id)
        query = query.where(col(Evidence.id).in_(linked))
        count_query = count_query.where(col(Evidence.id).in_(linked))
    if not include_superseded:
        query = query.where(col(Evidence.id).not_in(replaced))
        count_query = count_query.where(col(Evidence.id).not_in(replaced))
    query = query.order_by(col(Evidence.observed_at).desc(), col(Evidence.id)).offset(offset).limit(limit)
    with workspace.store.session() as session:
        records = session.exec(query).all()
        total = session.exec(count_query).one()
        ids = [r.id for r in records]
        links: dict[str, list[str]] = {}
        for evidence_id, linked_control in session.exec(
            select(EvidenceControl.evidence_id, EvidenceControl.control_id).where(
                col(EvidenceControl.evidence_id).in_(ids)
            )
        ).all():
            links.setdefault(evidence_id, []).append(linked_control)
        counts = dict(
            session.exec(
                select(EvidenceBlob.evidence_id, func.count())
                .where(col(EvidenceBlob.evidence_id).in_(ids))
                .group_by(col(EvidenceBlob.evidence_id))
            ).all()
        )
        replaced_ids = set(
            session.exec(select(Evidence.supersedes_id).where(col(Evidence.supersedes_id).in_(ids))).all()
        )
    rows = [
        EvidenceRow(
            id=r.id,
            source=r.source,
            check_id=r.check_id,
            result=r.result,
            observed_at=r.observed_at,
            valid_until=r.valid_until,
            account=r.account,
            region=r.region,
            resource=r.resource,
            controls=tuple(sorted(links.get(r.id, []))),
            attachments=counts.get(r.id, 0),
            note=r.note,
            superseded=r.id in replaced_ids,
        )
        for r in records
    ]
    return rows, total
