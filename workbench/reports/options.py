"""What a report is: its kind (which fixes the framework), audience, as-of instant, output and signing choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from workbench.clock import parse_user_instant, utc_now
from workbench.errors import InputError


class ReportKind(StrEnum):
    """The reports the workbench renders; each one reports on one framework."""

    SOC2 = "soc2"
    HIPAA = "hipaa"
    GDPR = "gdpr"
    SRM = "srm"

    @property
    def framework_id(self) -> str:
        """The catalog framework this kind reports on (the ids are the same by design)."""
        return self.value

    @property
    def document_title(self) -> str:
        """The document title."""
        return _TITLES[self]


_TITLES = {
    ReportKind.SOC2: "SOC 2 evidence packet",
    ReportKind.HIPAA: "HIPAA Security Rule compliance report",
    ReportKind.GDPR: "GDPR compliance report",
    ReportKind.SRM: "Shared-responsibility matrix",
}

AUDIENCES = ("vendor", "customer")


def parse_kind(value: str) -> ReportKind:
    """Return ``value`` as a report kind.

    Raises:
        InputError: naming the kinds there are.
    """
    try:
        return ReportKind(value.strip().lower())
    except ValueError:
        raise InputError(
            f"report kind {value!r} is unknown; use one of {', '.join(kind.value for kind in ReportKind)}"
        ) from None


@dataclass(frozen=True)
class SigningChoice:
    """Which identity signs the report.

    With neither ``key_file`` nor ``p12_file`` the workspace's own identity (``workbench keys init``) signs it.
    The passphrase never travels in here: it comes from ``WORKBENCH_SIGNING_PASSPHRASE`` or the OS keyring.
    """

    key_file: Path | None = None
    cert_file: Path | None = None
    p12_file: Path | None = None


@dataclass(frozen=True)
class ReportOptions:
    """Everything that decides one report file."""

    kind: ReportKind
    as_of: datetime
    out: Path
    #: ``vendor`` or ``customer``: who reads it; ``None`` means the usual reader of the kind.
    audience: str | None = None
    sign: bool = True
    signing: SigningChoice = field(default_factory=SigningChoice)
    #: How many of each control's newest evidence records the pages cite; the manifest lists them all.
    evidence_per_control: int = 3
    actor: str | None = None

    def resolved_audience(self, role: str) -> str:
        """The audience, defaulting to the customer for an SRM and to the workspace's own role otherwise."""
        if self.audience is not None:
            if self.audience not in AUDIENCES:
                raise InputError(f"audience {self.audience!r} is unknown; use vendor or customer")
            return self.audience
        return "customer" if self.kind is ReportKind.SRM else role


def parse_as_of(text: str | None) -> datetime:
    """The report's instant: now, or a date (end of day UTC) or instant that is not in the future.

    Raises:
        InputError: not a date, or a moment still to come (a report of it could change after it is signed).
    """
    now = utc_now()
    if text is None:
        return now
    moment = parse_user_instant(text, field="--as-of", end_of_day=True)
    if moment > now:
        raise InputError(
            f"--as-of {text}: that moment is still to come, so evidence recorded later would change the report; "
            "give an earlier date or instant, or leave --as-of out for now"
        )
    return moment
