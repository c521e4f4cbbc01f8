"""Signing identities and signed reports: PAdES signatures pyHanko validates, and tampering that verify names."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from keyring.backends import fail
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tests.reports.conftest import MemoryKeyring, options, seed_evidence, self_signed
from workbench.reports.identity import create_identity
from workbench.reports.options import ReportKind, ReportOptions, SigningChoice
from workbench.reports.passphrases import KEYRING_SERVICE
from workbench.reports.pipeline import render_report
from workbench.reports.verification import verify_report
from workbench.services.verify import verify_workspace
from workbench.workspace import Workspace

pytestmark = pytest.mark.slow


def flip_byte_in_first_stream(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    data[data.index(b"stream\n") + 40] ^= 0x01
    target.write_bytes(bytes(data))


def test_keys_init_encrypts_the_key_and_keeps_the_passphrase_only_in_the_keyring(
    workspace: Workspace, memory_keyring: MemoryKeyring
) -> None:
    info = create_identity(workspace, algorithm="ec-p256", common_name="Acme Signing")
    key_pem = info.key_path.read_bytes()
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in key_pem
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_pem, password=None)
    (entry, passphrase) = next(iter(memory_keyring.entries.items()))
    assert entry == (KEYRING_SERVICE, info.keyring_entry)
    serialization.load_pem_private_key(key_pem, password=passphrase.encode())
    certificate = x509.load_pem_x509_certificate(info.cert_path.read_bytes())
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Acme Signing"
    for path in workspace.path.rglob("*"):
        if path.is_file():
            assert passphrase.encode() not in path.read_bytes(), f"the passphrase leaked into {path}"
    assert (info.key_path.stat().st_mode & 0o077) == 0, "the key file is private to its owner"


def test_rsa_identities_sign_too(workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    create_identity(workspace, algorithm="rsa-3072")
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf"))
    assert result.signed and verify_report(result.path).ok


def test_a_signed_report_validates_in_pyhanko_and_verifies(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    seed_evidence(workspace, tmp_path, "gdpr")
    info = create_identity(workspace)
    result = render_report(workspace, options(ReportKind.GDPR, tmp_path / "gdpr.pdf"))
    assert result.signed and result.signer is not None and "report signing" in result.signer

    async def validate() -> object:
        reader = PdfFileReader(io.BytesIO(result.path.read_bytes()))
        certificate = reader.embedded_signatures[0].signer_cert
        context = ValidationContext(trust_roots=[certificate], allow_fetching=False)
        return await async_validate_pdf_signature(reader.embedded_signatures[0], signer_validation_context=context)

    status = asyncio.run(validate())
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]

    verified = verify_report(result.path)
    assert verified.ok, verified.problems
    assert verified.trust == "not trusted (self-signed)" and "report signing" in verified.signer
    assert verified.manifest is not None and verified.manifest.kind == "gdpr"
    assert verified.manifest.digest == result.manifest_digest
    trusted = verify_report(result.path, trust=info.cert_path)
    assert trusted.ok and trusted.trust.startswith("trusted")
    with workspace.store.session() as session:
        rows = (
            session.connection()
            .exec_driver_sql("SELECT entity_id, digest FROM ledger WHERE kind = 'report'")
            .fetchall()
        )
    assert [(result.report_id, result.manifest_digest)] == [tuple(row) for row in rows]
    assert verify_workspace(workspace).ok, "the report's ledger entry keeps the workspace verifiable"


def test_one_flipped_byte_fails_verification_and_is_named(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    create_identity(workspace)
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf"))
    flip_byte_in_first_stream(result.path, tmp_path / "tampered.pdf")
    verified = verify_report(tmp_path / "tampered.pdf")
    assert not verified.ok
    assert any("changed after signing" in problem for problem in verified.problems), verified.problems


def test_bytes_appended_after_signing_are_named(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    create_identity(workspace)
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf"))
    (tmp_path / "longer.pdf").write_bytes(result.path.read_bytes() + b"\n% appended after signing\n")
    verified = verify_report(tmp_path / "longer.pdf")
    assert not verified.ok
    assert any("does not cover the whole file" in problem for problem in verified.problems), verified.problems


def test_verification_works_inside_a_running_event_loop(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """pyHanko's synchronous API calls asyncio.run(), which fails in a loop (a Textual app); ours must not."""
    create_identity(workspace)
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf"))

    async def from_a_loop() -> bool:
        return verify_report(result.path).ok

    assert asyncio.run(from_a_loop())


def test_an_unsigned_report_does_not_verify(workspace: Workspace, tmp_path: Path) -> None:
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf", sign=False))
    verified = verify_report(result.path)
    assert not verified.ok and verified.problems == ["signature: the report is not signed"]


def test_a_signer_that_does_not_chain_to_the_trusted_cert_fails(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    create_identity(workspace)
    result = render_report(workspace, options(ReportKind.SRM, tmp_path / "srm.pdf"))
    stranger = tmp_path / "stranger.pem"
    _key, certificate = self_signed("Someone Else")
    stranger.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    verified = verify_report(result.path, trust=stranger)
    assert not verified.ok and verified.trust.startswith("not trusted (does not chain")
    assert any("does not chain to the trusted certificate" in problem for problem in verified.problems)


def test_an_organisations_own_p12_identity_signs_with_the_passphrase_from_the_environment(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, certificate = self_signed("Acme Corporate Signing")
    p12 = tmp_path / "acme.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"acme", key, certificate, None, serialization.BestAvailableEncryption(b"corp secret")
        )
    )
    monkeypatch.setenv("WORKBENCH_SIGNING_PASSPHRASE", "corp secret")
    choice = SigningChoice(p12_file=p12)
    moment = datetime.now(UTC)
    result = render_report(
        workspace, ReportOptions(kind=ReportKind.SRM, as_of=moment, out=tmp_path / "srm.pdf", signing=choice)
    )
    assert result.signer is not None and "Acme Corporate Signing" in result.signer
    assert verify_report(result.path).ok


def test_unencrypted_organisation_keys_sign_without_any_keyring(
    workspace: Workspace, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    keyring.set_keyring(fail.Keyring())  # no backend at all: nothing may ask it for a passphrase
    key, certificate = self_signed("Acme Build Signing")
    pem_key, pem_cert, p12 = tmp_path / "build.key", tmp_path / "build.crt", tmp_path / "build.p12"
    pem_key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pem_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(b"build", key, certificate, None, serialization.NoEncryption())
    )
    for number, choice in enumerate((SigningChoice(key_file=pem_key, cert_file=pem_cert), SigningChoice(p12_file=p12))):
        out = tmp_path / f"srm-{number}.pdf"
        result = render_report(
            workspace, ReportOptions(kind=ReportKind.SRM, as_of=datetime.now(UTC), out=out, signing=choice)
        )
        assert result.signer is not None and "Acme Build Signing" in result.signer
        assert verify_report(out).ok
