"""The shape of a packet body, checked with pydantic before anything is written (packets are untrusted input)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.catalog.model import Owner

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_SHA256 = r"^[0-9a-f]{64}$"
#: Control ids as the catalog writes them (up to 4 digits).
CONTROL_PATTERN = r"^[A-Z][A-Z0-9]{1,7}-[0-9]{2,4}$"
_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"
MAX_ROWS = 5000
MAX_EVIDENCE_PER_ANSWER = 50
MAX_BLOBS_PER_EVIDENCE = 20
_TEXT = 20_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Issuer(_Strict):
    """Who issued a packet."""

    workspace_id: str = Field(pattern=_UUID)
    organisation: str = Field(default="", max_length=200)
    system: str = Field(default="", max_length=200)
    role: Literal["vendor", "customer"]


class Row(_Strict):
    """One control of a vendor's shared-responsibility matrix."""

    control: str = Field(pattern=CONTROL_PATTERN)
    title: str = Field(min_length=1, max_length=120)
    domain: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=_TEXT)
    cadence: Literal["daily", "weekly", "monthly", "quarterly", "semiannual", "annual"]
    owner: Owner
    vendor_part: str = Field(min_length=1, max_length=_TEXT)
    customer_part: str = Field(min_length=1, max_length=_TEXT)
    #: framework id -> requirement ids
    requirements: dict[str, list[str]] = Field(default_factory=dict, max_length=50)


class PacketBody(_Strict):
    """A vendor's SRM packet."""

    kind: Literal["srm-packet"]
    format: Literal[1]
    id: str = Field(pattern=_UUID)
    created_at: str = Field(pattern=_INSTANT)
    issuer: Issuer
    rows: list[Row] = Field(min_length=1, max_length=MAX_ROWS)


class BlobItem(_Strict):
    """A file of a customer's evidence record; its content inline (base64) unless it was too large."""

    sha256: str = Field(pattern=_SHA256)
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0)
    media_type: str = Field(max_length=127)
    role: Literal["attachment", "raw"]
    content_base64: str | None = None


class EvidenceItem(_Strict):
    """A summary of one of the customer's evidence records."""

    id: str = Field(pattern=_UUID)
    source: Literal["manual", "check", "import"]
    check_id: str | None = Field(default=None, max_length=128)
    result: Literal["pass", "fail", "error", "info"]
    observed_at: str = Field(pattern=_INSTANT)
    valid_until: str | None = Field(default=None, pattern=_INSTANT)
    account: str = Field(default="", max_length=64)
    region: str = Field(default="", max_length=32)
    resource: str = Field(default="", max_length=2048)
    note: str = Field(default="", max_length=_TEXT)
    blobs: list[BlobItem] = Field(default_factory=list, max_length=MAX_BLOBS_PER_EVIDENCE)


class AttestationItem(_Strict):
    """The customer's statement for one row."""

    text: str = Field(min_length=1, max_length=_TEXT)
    attested_at: str = Field(pattern=_INSTANT)
    attested_by: str = Field(min_length=1, max_length=256)


class Answer(_Strict):
    """The customer's answer for one row of the vendor's packet."""

    control: str = Field(pattern=CONTROL_PATTERN)
    #: the control's status in the customer's workspace when it responded
    status: str = Field(max_length=32)
    attestation: AttestationItem | None = None
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=MAX_EVIDENCE_PER_ANSWER)


class InResponseTo(_Strict):
    """The vendor packet a response answers."""

    packet_id: str = Field(pattern=_UUID)
    workspace_id: str = Field(pattern=_UUID)
    body_sha256: str = Field(pattern=_SHA256)


class ResponseBody(_Strict):
    """A customer's signed response to a vendor packet."""

    kind: Literal["srm-response"]
    format: Literal[1]
    id: str = Field(pattern=_UUID)
    created_at: str = Field(pattern=_INSTANT)
    issuer: Issuer
    in_response_to: InResponseTo
    answers: list[Answer] = Field(max_length=MAX_ROWS)


def parse_body(model: type[PacketBody] | type[ResponseBody], body: dict[str, Any], source: str) -> Any:
    """Validate a packet body against its model.

    Raises:
        InputError: naming the file and the first field that is wrong.
    """
    from workbench.exchange.packet import PacketError

    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(step) for step in error["loc"]) or "packet"
        raise PacketError(f"{source}: not a usable packet: {where}: {error['msg']}") from None
