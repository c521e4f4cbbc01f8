"""Fixtures for reports: an in-memory keyring, a workspace with real evidence, and the report CLI commands."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keyring.backend import KeyringBackend

from workbench.clock import utc_now
from workbench.reports.options import ReportKind, ReportOptions
from workbench.services.evidence import add_manual_evidence, write_evidence
from workbench.services.exceptions import add_exception
from workbench.store.models import Evidence, EvidenceBlob, new_id
from workbench.workspace import Workspace

LONG_ARN = (
    "arn:aws:s3:::acme-data-platform-production-customer-exports-eu-west-1-0123456789abcdef0123456789abcdef"
    "/exports/2026/01/31/very-long-object-key-that-never-breaks-by-itself-0123456789.parquet"
)
INJECTED_NOTE = 'Reviewed <img src="file:///etc/passwd"> and <img src="https://attacker.example/x.png"> today'


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only, so tests never touch the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """An in-memory keyring for the test, restored afterwards; no passphrase comes from the environment."""
    monkeypatch.delenv("WORKBENCH_SIGNING_PASSPHRASE", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass(frozen=True)
class Seeded:
    """What the evidence fixture wrote, so tests can look for it in the PDFs."""

    passing: str
    failing: str
    excepted: str
    attachment_sha256: str


def vendor_controls(workspace: Workspace, framework_id: str) -> list[str]:
    """Vendor-owned controls mapped to a framework, in library order (picked at run time, never hard-coded)."""
    catalog = workspace.catalog
    mapped = set(catalog.controls_in(framework_id))
    return [c.id for c in catalog.controls.values() if c.id in mapped and c.owner.value == "vendor"]


def seed_evidence(workspace: Workspace, tmp_path: Path, framework_id: str) -> Seeded:
    """Give controls of a framework real evidence: passing, failing, excepted, a long ARN and a hostile note."""
    controls = vendor_controls(workspace, framework_id)
    assert len(controls) >= 3, f"the library maps too few vendor controls to {framework_id}"
    passing, failing, excepted = controls[0], controls[1], controls[2]
    policy = tmp_path / "access-review.txt"
    policy.write_text("Quarterly access review: 42 accounts, 0 exceptions.\n")
    observed = utc_now() - timedelta(days=1)
    view = add_manual_evidence(
        workspace, control_ids=[passing], note=INJECTED_NOTE, attachments=[policy], observed_at=observed
    )
    add_manual_evidence(workspace, control_ids=[failing], note="MFA off for 2 users", result="fail")
    add_manual_evidence(workspace, control_ids=[excepted], note="Legacy bucket unencrypted", result="fail")
    add_exception(
        workspace,
        control_id=excepted,
        rationale="Legacy system retired in Q1",
        approver="CISO Jane Roe",
        expires_at=utc_now() + timedelta(days=60),
    )
    add_check_evidence(workspace, passing, resource=LONG_ARN, observed_at=observed)
    return Seeded(
        passing=passing,
        failing=failing,
        excepted=excepted,
        attachment_sha256=view.blobs[0].sha256,
    )


def add_check_evidence(
    workspace: Workspace, control_id: str, *, resource: str, observed_at: datetime, result: str = "pass"
) -> str:
    """Write one automated-check record (with a raw response blob), as a collector would."""
    now = utc_now()
    record = Evidence(
        id=new_id(),
        source="check",
        check_id="aws.s3.bucket_default_encryption",
        check_version="1",
        account="123456789012",
        region="eu-west-1",
        resource=resource,
        result=result,
        observed_at=observed_at,
        collected_at=now,
        collected_by="tests",
    )
    stored = workspace.store.blobs.put_stream(io.BytesIO(b'{"ServerSideEncryptionConfiguration": {}}'))
    blob = EvidenceBlob(
        evidence_id=record.id,
        position=0,
        sha256=stored.sha256,
        name="get_bucket_encryption.json",
        size=stored.size,
        media_type="application/json",
        role="raw",
    )
    with workspace.store.transaction("tests") as writer:
        write_evidence(writer, record, [control_id], [blob])
    return record.id


def options(kind: ReportKind, out: Path, *, sign: bool = True, as_of: datetime | None = None) -> ReportOptions:
    """Report options for a test: as of now unless given."""
    return ReportOptions(kind=kind, as_of=as_of or utc_now(), out=out, sign=sign)


def self_signed(common_name: str, *, expired: bool = False) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An EC P-256 key and a self-signed signing certificate for it (valid for 30 days, or expired yesterday)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC) - (timedelta(days=31) if expired else timedelta(0))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate
