"""The tables. Rows are written once and never updated: a correction is a new row (and a new ledger entry)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from workbench.clock import format_stored, parse_stored, utc_now


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant stored as fixed-width ISO 8601 text: portable, hashable, and ordered as text."""

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else format_stored(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_stored(value)


def new_id() -> str:
    """Return a new random UUID in text form."""
    return str(uuid.uuid4())


def _instant(nullable: bool = False) -> datetime:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))  # type: ignore[no-any-return]


class Evidence(SQLModel, table=True):
    """One immutable observation that a control did (or did not) operate."""

    __tablename__ = "evidence"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    #: ``manual``, ``check`` (an automated collector) or ``import`` (from another organisation's packet)
    source: str = Field(max_length=16)
    check_id: str | None = Field(default=None, max_length=128)
    check_version: str | None = Field(default=None, max_length=32)
    account: str = Field(default="", max_length=64)
    region: str = Field(default="", max_length=32)
    resource: str = Field(default="", max_length=2048)
    #: ``pass``, ``fail``, ``error`` or ``info``
    result: str = Field(max_length=8)
    error_code: str | None = Field(default=None, max_length=128)
    observed_at: datetime = _instant()
    collected_at: datetime = _instant()
    valid_until: datetime | None = _instant(nullable=True)
    collected_by: str = Field(max_length=256)
    note: str = Field(default="")
    supersedes_id: str | None = Field(default=None, foreign_key="evidence.id", max_length=36)
    run_id: str | None = Field(default=None, max_length=36)


class EvidenceControl(SQLModel, table=True):
    """Which controls a piece of evidence speaks for."""

    __tablename__ = "evidence_control"

    evidence_id: str = Field(foreign_key="evidence.id", primary_key=True, max_length=36)
    control_id: str = Field(primary_key=True, max_length=16)


class EvidenceBlob(SQLModel, table=True):
    """A file that belongs to a piece of evidence: an attachment or a raw API response, by SHA-256."""

    __tablename__ = "evidence_blob"

    evidence_id: str = Field(foreign_key="evidence.id", primary_key=True, max_length=36)
    position: int = Field(primary_key=True)
    sha256: str = Field(max_length=64)
    name: str = Field(max_length=255)
    size: int
    media_type: str = Field(default="application/octet-stream", max_length=127)
    #: ``attachment`` or ``raw`` (a raw API response)
    role: str = Field(default="attachment", max_length=16)


class ControlException(SQLModel, table=True):
    """An accepted deviation from a control, with who approved it and until when."""

    __tablename__ = "control_exception"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    control_id: str = Field(max_length=16)
    rationale: str
    approver: str = Field(max_length=256)
    expires_at: datetime = _instant()
    created_at: datetime = _instant()
    created_by: str = Field(max_length=256)


class OwnershipChange(SQLModel, table=True):
    """A change of who owns a control and what each side does; the newest one per control is in force."""

    __tablename__ = "ownership_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    control_id: str = Field(max_length=16)
    owner: str = Field(max_length=32)
    vendor_part: str
    customer_part: str
    changed_at: datetime = _instant()
    changed_by: str = Field(max_length=256)
    note: str = Field(default="")


class CollectionRun(SQLModel, table=True):
    """The summary an automated collection records of itself: what it covered, what it found, what failed."""

    __tablename__ = "collection_run"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    #: ``aws`` for now
    source: str = Field(max_length=16)
    #: ``completed`` or ``cancelled``
    status: str = Field(max_length=16)
    started_at: datetime = _instant()
    finished_at: datetime = _instant()
    #: JSON lists and objects, as text
    accounts: str
    regions: str
    checks: str
    counts: str
    errors: str
    tasks: int
    api_calls: int
    duration_ms: int
    actor: str = Field(max_length=256)


class ExchangePacket(SQLModel, table=True):
    """A signed packet this workspace issued or imported: a vendor's SRM packet or a customer's response."""

    __tablename__ = "exchange_packet"

    #: the packet's own id (from its body)
    id: str = Field(primary_key=True, max_length=36)
    #: ``srm-packet`` or ``srm-response``
    kind: str = Field(max_length=16)
    #: ``issued`` (written here) or ``imported`` (read from another workspace)
    direction: str = Field(max_length=8)
    #: the issuing workspace's id, organisation and system
    issuer_workspace_id: str = Field(max_length=36)
    issuer_organisation: str = Field(default="", max_length=200)
    issuer_system: str = Field(default="", max_length=200)
    #: for a response: the id of the packet it answers
    in_response_to: str | None = Field(default=None, max_length=36)
    created_at: datetime = _instant()
    recorded_at: datetime = _instant()
    recorded_by: str = Field(max_length=256)
    #: SHA-256 of the canonical JSON of the packet body, and of the signer's certificate (DER)
    body_sha256: str = Field(max_length=64)
    signer_fingerprint: str = Field(max_length=64)
    #: the canonical JSON body of an SRM packet (its rows); empty for a response (its answers became evidence)
    body: str = Field(default="")


class ExchangeAnswer(SQLModel, table=True):
    """One answer of an imported customer response, and the evidence record it became."""

    __tablename__ = "exchange_answer"

    response_id: str = Field(foreign_key="exchange_packet.id", primary_key=True, max_length=36)
    control_id: str = Field(primary_key=True, max_length=16)
    #: the customer workspace that answered (the same control answered twice by one customer is a conflict)
    customer_workspace_id: str = Field(max_length=36)
    evidence_id: str = Field(foreign_key="evidence.id", max_length=36)
    #: SHA-256 of the canonical JSON of the answer as the customer signed it
    answer_sha256: str = Field(max_length=64)


class Attestation(SQLModel, table=True):
    """A customer's statement that it performs its part of a control, sent back in its response."""

    __tablename__ = "attestation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    control_id: str = Field(max_length=16)
    #: the vendor packet whose row this attests to
    packet_id: str | None = Field(default=None, max_length=36)
    text: str
    attested_at: datetime = _instant()
    attested_by: str = Field(max_length=256)


class CatalogEntry(SQLModel, table=True):
    """A framework, control or mapping this workspace adds to the packaged library (from an import or a packet)."""

    __tablename__ = "catalog_entry"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    #: ``framework``, ``control`` or ``mapping``
    kind: str = Field(max_length=16)
    #: the framework id, the control id, or ``CONTROL>FRAMEWORK:REQUIREMENT`` for a mapping
    key: str = Field(max_length=512)
    #: canonical JSON in the shape of the YAML files (a FrameworkFile, a ControlSpec, or a mapping object)
    body: str
    #: what added it: ``srm-import``, ``ccm-import``, ``vendor-packet`` ...
    source: str = Field(max_length=32)
    #: where it came from: a file name, a packet id
    origin: str = Field(default="", max_length=512)
    created_at: datetime = _instant()
    created_by: str = Field(max_length=256)


class LedgerEntry(SQLModel, table=True):
    """One link of the append-only hash chain over every write."""

    __tablename__ = "ledger"

    seq: int = Field(primary_key=True)
    recorded_at: datetime = _instant()
    actor: str = Field(max_length=256)
    #: what was written: ``evidence``, ``exception``, ``ownership``, ``report`` ...
    kind: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    #: SHA-256 of the canonical form of what was written
    digest: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


__all__ = [
    "Attestation",
    "CatalogEntry",
    "CollectionRun",
    "ControlException",
    "Evidence",
    "EvidenceBlob",
    "EvidenceControl",
    "ExchangeAnswer",
    "ExchangePacket",
    "LedgerEntry",
    "OwnershipChange",
    "UTCDateTime",
    "new_id",
    "utc_now",
]
