"""The content of a report, as plain frozen values that the templates and the manifest read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

#: Status words, with a symbol, so that a status reads without colour (printed in greyscale, or by the colour-blind).
STATUS_LABEL: Mapping[str, str] = {
    "passing": "Passing",
    "failing": "Failing",
    "stale": "Stale",
    "missing": "Missing",
    "excepted": "Excepted",
    "not_applicable": "Not applicable",
    "other_party": "Other party",
    "unmapped": "No control",
}
STATUS_SYMBOL: Mapping[str, str] = {
    "passing": "\u2714",  # heavy check mark
    "failing": "\u2718",  # heavy ballot x
    "stale": "\u25f7",  # clock face
    "missing": "\u25cb",  # white circle
    "excepted": "\u2691",  # flag
    "not_applicable": "\u2298",  # circled slash
    "other_party": "\u21c4",  # arrows both ways
    "unmapped": "\u26a0",  # warning sign
}
STATUS_MEANING: Mapping[str, str] = {
    "passing": "Fresh evidence passes in every scope it covers.",
    "failing": "Fresh evidence fails, or could not be collected, in at least one scope.",
    "stale": "The newest evidence is older than the control's review cadence, or past its valid-until date.",
    "missing": "No evidence shows the control operating.",
    "excepted": "An approved exception is in force.",
    "other_party": "The control is the other party's, or inherited from a third party.",
    "not_applicable": "Marked not applicable to this system.",
    "unmapped": "A requirement that no control is mapped to.",
}
#: Worst first: a requirement's roll-up is the worst status among its controls.
ROLLUP_ORDER: tuple[str, ...] = (
    "unmapped",
    "failing",
    "missing",
    "stale",
    "excepted",
    "passing",
    "other_party",
    "not_applicable",
)
#: The order statuses are listed in: best first, then what needs attention, then what is not this party's to show.
DISPLAY_ORDER: tuple[str, ...] = (
    "passing",
    "failing",
    "stale",
    "missing",
    "excepted",
    "other_party",
    "not_applicable",
    "unmapped",
)
OWNER_LABEL: Mapping[str, str] = {
    "vendor": "Vendor",
    "customer": "Customer",
    "shared": "Shared",
    "third_party": "Third party (inherited)",
    "shared_vendor_third_party": "Vendor and third party",
    "not_applicable": "Not applicable",
}


@dataclass(frozen=True)
class StatusBadge:
    """A status as shown: its key (for the CSS class), its word and its symbol."""

    key: str

    @property
    def label(self) -> str:
        """The status in words."""
        return STATUS_LABEL[self.key]

    @property
    def symbol(self) -> str:
        """The status as one symbol, shown next to the word."""
        return STATUS_SYMBOL[self.key]


@dataclass(frozen=True)
class BlobCitation:
    """A blob of a piece of evidence: its SHA-256, name and size."""

    sha256: str
    name: str
    size: int
    media_type: str
    role: str

    @property
    def short(self) -> str:
        """The first 12 hex digits, as printed."""
        return self.sha256[:12]


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence record in force as of the report's instant."""

    id: str
    #: SHA-256 of the record's canonical form: the digest its ledger entry holds
    digest: str
    source: str
    check_id: str | None
    check_version: str | None
    result: str
    error_code: str | None
    observed_at: datetime
    collected_at: datetime
    valid_until: datetime | None
    account: str
    region: str
    resource: str
    note: str
    controls: tuple[str, ...]
    blobs: tuple[BlobCitation, ...]

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the record's digest, by which the pages cite it."""
        return self.digest[:12]

    @property
    def source_label(self) -> str:
        """Where the record came from: the check id, or ``manual`` / ``import``."""
        return self.check_id or self.source

    @property
    def scope_label(self) -> str:
        """Account, region and resource, as far as they are known."""
        return " / ".join(part for part in (self.account, self.region, self.resource) if part)


@dataclass(frozen=True)
class ControlEntry:
    """One control as the report shows it: owner, each side's part, status with reason, newest evidence."""

    id: str
    title: str
    domain: str
    owner: str
    vendor_part: str
    customer_part: str
    status: StatusBadge
    reason: str
    evidence_total: int
    results: Mapping[str, int]
    latest: tuple[EvidenceItem, ...]

    @property
    def owner_label(self) -> str:
        """The owner in words."""
        return OWNER_LABEL[self.owner]

    @property
    def results_label(self) -> str:
        """The results of its evidence in force, such as ``11 pass, 1 fail``."""
        return ", ".join(f"{count} {result}" for result, count in sorted(self.results.items()))


@dataclass(frozen=True)
class RequirementEntry:
    """One requirement with the controls mapped to it directly, and a roll-up over them and its children."""

    id: str
    title: str
    kind: str
    text: str
    depth: int
    #: HIPAA's ``Required`` / ``Addressable`` / ``Standard``; empty elsewhere
    flag: str
    anchor: str
    controls: tuple[ControlEntry, ...]
    rollup: StatusBadge
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class RequirementGroup:
    """A heading in the report: a SOC 2 series, a HIPAA safeguard, a GDPR article, an SRM category."""

    title: str
    anchor: str
    requirements: tuple[RequirementEntry, ...]
    #: the worst status among the group's controls (``unmapped`` when it has none)
    rollup: StatusBadge


@dataclass(frozen=True)
class ExceptionEntry:
    """An exception recorded for one of the report's controls."""

    id: str
    control_id: str
    rationale: str
    approver: str
    created_at: datetime
    expires_at: datetime
    in_force: bool


@dataclass(frozen=True)
class StatusCount:
    """How many controls (or requirements) have one status."""

    badge: StatusBadge
    count: int


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, collected from a workspace as of one instant."""

    kind: str
    title: str
    framework_id: str
    framework_title: str
    framework_version: str
    framework_notice: str
    organisation: str
    system: str
    role: str
    audience: str
    audit_period_start: date | None
    audit_period_end: date | None
    as_of: datetime
    groups: tuple[RequirementGroup, ...]
    controls: tuple[ControlEntry, ...]
    exceptions: tuple[ExceptionEntry, ...]
    #: every evidence record in force for the report's controls: the manifest lists all of them
    evidence: tuple[EvidenceItem, ...]
    #: the records the pages cite (each control's newest few), in appendix order
    cited: tuple[EvidenceItem, ...]
    control_counts: tuple[StatusCount, ...]
    requirement_counts: tuple[StatusCount, ...]
    evidence_per_control: int
