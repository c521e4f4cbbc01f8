"""Verify a signed report offline: the signature, whole-file coverage, the signer's trust, the manifest, the bundle."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from workbench.errors import InputError
from workbench.reports.async_bridge import run_coroutine
from workbench.reports.bundle_check import check_bundle
from workbench.reports.embedded import EmbeddedFileMissing, embedded_file, open_pdf
from workbench.reports.manifest import MANIFEST_NAME, ManifestFormatError, ManifestSummary, parse_manifest

#: A report signer's certificate may carry either usage; pyHanko's default demands non-repudiation alone.
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)


@dataclass
class ReportVerification:
    """What verifying a report found. ``ok`` only when nothing failed."""

    report: Path
    signed: bool = False
    signer: str = "none"
    #: SHA-256 of the signer's certificate (DER), to compare with the one the signer published ('workbench keys show')
    signer_fingerprint: str | None = None
    trust: str = "not checked"
    signed_at: str | None = None
    coverage: str = "none"
    manifest: ManifestSummary | None = None
    bundle: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the signature is intact and covers the whole file, and every check asked for held."""
        return self.signed and not self.problems

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "ok": self.ok,
            "report": str(self.report),
            "signed": self.signed,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "trust": self.trust,
            "signed_at": self.signed_at,
            "coverage": self.coverage,
            "manifest": None if self.manifest is None else self.manifest.as_dict(),
            "bundle": self.bundle,
            "problems": list(self.problems),
        }


def verify_report(pdf: Path, bundle: Path | None = None, trust: Path | None = None) -> ReportVerification:
    """Verify a report file, and with ``bundle`` its evidence bundle, without any network.

    The signature must be intact and cover the whole file: pyHanko's ``bottom_line`` decides (never ``valid`` alone,
    which stays True on a tampered file), and its coverage must be the entire file (bytes appended after signing
    leave ``bottom_line`` True but the coverage short).

    Trust: with ``trust`` the signer must chain to that certificate. Without it, a report signed with a self-signed
    identity (``workbench keys init``) cannot chain to anything the verifier already trusts, so the signer is reported
    as "not trusted (self-signed)" (or "not trusted (no --trust certificate given)" for a CA-issued one) and ``ok`` is
    decided by integrity alone: pyHanko validates with the signer's own certificate as the anchor, so ``bottom_line``
    still demands an intact, valid signature by a certificate valid at signing time.

    Args:
        pdf: the report file.
        bundle: its evidence bundle, whose every entry is checked against SHA256SUMS and the embedded manifest.
        trust: a certificate (PEM or DER) the signer must chain to.

    Returns:
        What was found; ``ok`` only when every check held. Every failure is named in ``problems``.

    Raises:
        InputError: the report, the bundle or the trusted certificate cannot be read at all (a missing file).
    """
    result = ReportVerification(report=pdf)
    trusted = _load_trust(trust) if trust is not None else None
    if bundle is not None and not bundle.is_file():
        raise InputError(f"{bundle}: no such bundle file")
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise InputError(f"{pdf}: cannot read the report: {exc.strerror}") from None
    try:
        reader = open_pdf(data)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"report: {pdf.name} is not a readable PDF ({exc})")
        return result
    manifest = _read_manifest(reader, result)
    _check_signatures(reader, trusted, result)
    if bundle is not None:
        found = check_bundle(bundle, manifest)
        result.bundle = found.as_dict()
        result.problems.extend(found.problems)
    return result


def _read_manifest(reader: Any, result: ReportVerification) -> dict[str, Any] | None:
    try:
        manifest = parse_manifest(embedded_file(reader, MANIFEST_NAME))
    except EmbeddedFileMissing:
        result.problems.append(f"manifest: the report carries no embedded {MANIFEST_NAME}")
        return None
    except ManifestFormatError as exc:
        result.problems.append(f"manifest: the embedded {MANIFEST_NAME} is unusable: {exc}")
        return None
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        result.problems.append(f"manifest: the embedded {MANIFEST_NAME} cannot be read ({exc})")
        return None
    result.manifest = ManifestSummary.of(manifest)
    return manifest


def _check_signatures(reader: Any, trusted: asn1_x509.Certificate | None, result: ReportVerification) -> None:
    try:
        signatures = list(reader.embedded_signatures)
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        result.problems.append(f"signature: the signature fields cannot be read ({exc})")
        return
    if not signatures:
        result.problems.append("signature: the report is not signed")
        return
    result.signed = True
    # pyHanko logs path-building failures with tracebacks; a verifier prints its own one-line findings instead.
    logging.getLogger("pyhanko").addHandler(logging.NullHandler())
    logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())
    for position, signature in enumerate(signatures, start=1):
        label = "signature" if len(signatures) == 1 else f"signature {position}"
        last = position == len(signatures)
        _check_one(signature, label, trusted, result, last=last)


def _check_one(signature: Any, label: str, trusted: Any, result: ReportVerification, *, last: bool) -> None:
    signer_cert = signature.signer_cert
    subject = signer_cert.subject.human_friendly if signer_cert is not None else "unknown signer"
    anchor = trusted if trusted is not None else signer_cert
    context = ValidationContext(trust_roots=[anchor] if anchor is not None else [], allow_fetching=False)
    try:
        status = run_coroutine(
            lambda: async_validate_pdf_signature(
                signature, signer_validation_context=context, key_usage_settings=_KEY_USAGE
            )
        )
    except (SignatureValidationError, PyHankoSigningError, PdfError, ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"{label}: cannot be validated ({exc})")
        return
    if last:
        result.signer = subject
        result.signer_fingerprint = None if signer_cert is None else hashlib.sha256(signer_cert.dump()).hexdigest()
        result.coverage = status.coverage.name.lower().replace("_", " ") if status.coverage is not None else "none"
        result.signed_at = None if status.signer_reported_dt is None else status.signer_reported_dt.isoformat()
        result.trust = _trust_words(signer_cert, trusted, status.trusted)
    if not status.intact:
        result.problems.append(f"{label}: the signed bytes were changed after signing (their digest no longer matches)")
    elif not status.valid:
        result.problems.append(f"{label}: the signature value does not verify against {subject}'s key")
    elif trusted is not None and not status.trusted:
        result.problems.append(f"{label}: signer {subject} does not chain to the trusted certificate")
    elif not status.bottom_line:
        result.problems.append(f"{label}: not valid ({status.summary()})")
    if last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        result.problems.append(
            f"{label}: does not cover the whole file (coverage: {result.coverage}); bytes were added after signing"
        )


def _trust_words(signer_cert: Any, trusted: Any, chains: bool) -> str:
    if trusted is not None:
        name = trusted.subject.human_friendly
        return f"trusted (chains to {name})" if chains else f"not trusted (does not chain to {name})"
    if signer_cert is not None and signer_cert.self_signed != "no":
        return "not trusted (self-signed)"
    return "not trusted (no --trust certificate given)"


def _load_trust(path: Path) -> asn1_x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the trusted certificate: {exc.strerror}") from None
    try:
        certificate = (
            x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise InputError(f"{path}: not an X.509 certificate (PEM or DER)") from None
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
