"""Signed exchange packets: the canonical JSON body, its detached signature, and reading one safely.

A packet file is one JSON object with two members::

    {"packet": {...the body...},
     "signature": {"algorithm": "ecdsa-sha256" | "rsa-pkcs1v15-sha256",
                   "body_sha256": "<hex SHA-256 of the canonical body>",
                   "certificate": "<the signer's X.509 certificate, PEM>",
                   "value": "<base64 signature over the canonical body>"}}

The signature is computed over the canonical JSON of ``packet`` (sorted keys, no spaces, UTF-8; see
:func:`workbench.store.digests.canonical_json`), so the file may be re-indented without breaking it, and is made with
the workspace's signing identity (``workbench keys init``), the same one that signs reports. The certificate travels
with the packet: it proves integrity on its own; authenticity needs ``--trust CERT`` (or comparing the SHA-256
fingerprint with the one the issuer published), exactly as for a signed report.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from workbench.clock import to_utc
from workbench.errors import InputError
from workbench.store.digests import canonical_json
from workbench.workspace import Workspace

PACKET_KIND = "srm-packet"
RESPONSE_KIND = "srm-response"
KINDS = (PACKET_KIND, RESPONSE_KIND)
FORMAT_VERSION = 1
#: Largest packet file read (attachments travel inline, base64).
MAX_PACKET_BYTES = 128 * 1024 * 1024
_ALGORITHMS = ("ecdsa-sha256", "rsa-pkcs1v15-sha256")


class PacketError(InputError):
    """A file that is not a usable packet: unreadable, not a packet, tampered, or meant for someone else."""


@dataclass(frozen=True)
class SigningKey:
    """A private key and its certificate, ready to sign a packet body."""

    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), as ``workbench keys show`` prints it."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()


@dataclass
class PacketCheck:
    """What verifying a packet found. ``ok`` when the signature holds and every check asked for held."""

    path: Path
    kind: str = "unknown"
    packet_id: str = ""
    issuer: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    signer: str = "none"
    signer_fingerprint: str | None = None
    trust: str = "not checked"
    body_sha256: str = ""
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "ok": self.ok,
            "packet": str(self.path),
            "kind": self.kind,
            "id": self.packet_id,
            "issuer": dict(self.issuer),
            "created_at": self.created_at,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "trust": self.trust,
            "body_sha256": self.body_sha256,
            "rows": self.rows,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class SignedPacket:
    """A packet read from a file whose signature verified."""

    body: dict[str, Any]
    body_sha256: str
    certificate: x509.Certificate
    signer_fingerprint: str

    @property
    def kind(self) -> str:
        """``srm-packet`` or ``srm-response``."""
        return str(self.body["kind"])

    @property
    def signer(self) -> str:
        """The signer's subject, for people."""
        return self.certificate.subject.rfc4514_string()


def canonical_body(body: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the canonical JSON of the body, UTF-8."""
    return canonical_json(body).encode("utf-8")


def sign_packet(body: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Return the packet document (body and detached signature) for ``body``."""
    data = canonical_body(body)
    if isinstance(key.private_key, ec.EllipticCurvePrivateKey):
        value = key.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        algorithm = "ecdsa-sha256"
    else:
        value = key.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        algorithm = "rsa-pkcs1v15-sha256"
    return {
        "packet": body,
        "signature": {
            "algorithm": algorithm,
            "body_sha256": hashlib.sha256(data).hexdigest(),
            "certificate": key.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "value": base64.b64encode(value).decode("ascii"),
        },
    }


def packet_bytes(document: dict[str, Any]) -> bytes:
    """The file form of a packet document: indented JSON, UTF-8, one newline at the end."""
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def load_signing_key(
    workspace: Workspace, *, key_file: Path | None, cert_file: Path | None, p12_file: Path | None
) -> SigningKey:
    """Load the identity that signs a packet: the workspace's own (``workbench keys init``) or one given.

    The passphrase comes from the OS keyring (or ``WORKBENCH_SIGNING_PASSPHRASE``), as for reports.

    Raises:
        SigningIdentityMissing, PassphraseError, KeyringUnavailableError, InputError: as for signing a report.
    """
    from workbench.reports.errors import SigningIdentityMissing
    from workbench.reports.options import SigningChoice
    from workbench.reports.signing import load_signer

    try:
        loaded = load_signer(workspace, SigningChoice(key_file=key_file, cert_file=cert_file, p12_file=p12_file))
    except SigningIdentityMissing:
        raise SigningIdentityMissing(
            "packets are always signed and this workspace has no signing identity: create one with "
            "'workbench keys init', or sign with your own (--key/--cert or --p12)"
        ) from None
    signer = loaded.signer
    if signer.signing_key is None or signer.signing_cert is None:  # load_signer always sets both
        raise InputError("the signing identity has no key or no certificate")
    private = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):  # load_signer admits only these
        raise InputError("only RSA and EC keys can sign packets")
    certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
    return SigningKey(private, certificate)


def looks_like_packet(path: Path) -> bool:
    """True when a file starts like a JSON document (a packet) rather than a PDF: how ``verify`` tells them apart."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return path.suffix.lower() == ".json"
    if head.startswith(b"%PDF"):
        return False
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"{") or path.suffix.lower() == ".json"


def read_packet(path: Path, *, trust: Path | None = None) -> SignedPacket:
    """Read a packet file, check its shape and signature, and return its body.

    Raises:
        PacketError: the file is missing, too large, not UTF-8, not JSON, not a packet, or its signature fails
            (one line naming the file and what is wrong); nothing is written by anyone on this error.
    """
    check, signed = _check(path, trust)
    if signed is None or not check.ok:
        raise PacketError(f"{path}: {check.problems[0] if check.problems else 'not a usable packet'}")
    return signed


def verify_packet(path: Path, trust: Path | None = None) -> PacketCheck:
    """Verify a packet file offline for ``workbench verify PACKET.json``: never raises for a bad packet.

    Raises:
        InputError: only when the trusted certificate cannot be read.
    """
    return _check(path, trust, for_report=True)[0]


def _check(path: Path, trust: Path | None, *, for_report: bool = False) -> tuple[PacketCheck, SignedPacket | None]:
    check = PacketCheck(path=path)
    trusted = load_trusted_certificate(trust) if trust is not None else None
    try:
        document = _parse_file(path)
        body, signature = _split(document)
        certificate, fingerprint, body_sha256 = _verify_signature(body, signature)
    except PacketError as exc:
        if not for_report:
            raise PacketError(f"{path}: {exc.message}") from None
        check.problems.append(exc.message)
        return check, None
    check.kind = str(body.get("kind"))
    check.packet_id = str(body.get("id", ""))
    issuer = body.get("issuer")
    check.issuer = dict(issuer) if isinstance(issuer, dict) else {}
    check.created_at = str(body.get("created_at", ""))
    rows = body.get("rows") if check.kind == PACKET_KIND else body.get("answers")
    check.rows = len(rows) if isinstance(rows, list) else 0
    check.signer = certificate.subject.rfc4514_string()
    check.signer_fingerprint = fingerprint
    check.body_sha256 = body_sha256
    _check_validity(certificate, check)
    if trusted is not None:
        if _chains_to(certificate, trusted):
            check.trust = f"trusted (chains to {trusted.subject.rfc4514_string()})"
        else:
            check.trust = f"not trusted (does not chain to {trusted.subject.rfc4514_string()})"
            check.problems.append(f"signer {check.signer} does not chain to the trusted certificate")
    elif certificate.issuer == certificate.subject:
        check.trust = "not trusted (self-signed)"
    else:
        check.trust = "not trusted (no --trust certificate given)"
    return check, SignedPacket(body, body_sha256, certificate, fingerprint)


def _parse_file(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PacketError("no such file") from None
    except OSError as exc:
        raise PacketError(f"cannot read it ({exc.strerror})") from None
    if not path.is_file():
        raise PacketError("not a regular file")
    if size > MAX_PACKET_BYTES:
        raise PacketError(f"{size:,} bytes is larger than a packet may be ({MAX_PACKET_BYTES:,} bytes)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PacketError(f"cannot read it ({exc.strerror})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and b"\x00" in raw[:2]):
        raise PacketError("not a packet: the file is UTF-16 text; packets are UTF-8 JSON")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PacketError(
            f"not a packet: the file is not UTF-8 text (byte {exc.start} is invalid); packets are UTF-8 JSON"
        ) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicate_keys)
    except (json.JSONDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise PacketError(f"not a packet: the file is not JSON{where}") from None
    except RecursionError:
        raise PacketError("not a packet: the JSON is nested too deeply") from None
    if not isinstance(document, dict) or "packet" not in document or "signature" not in document:
        raise PacketError("not a workbench packet (expected a JSON object with 'packet' and 'signature')")
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice (JSON readers disagree on which one wins)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            shown = key if len(key) <= 60 else key[:57] + "..."
            raise PacketError(f"not a packet: the key {shown!r} appears twice in one JSON object")
        found[key] = value
    return found


def _split(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    body, signature = document["packet"], document["signature"]
    if not isinstance(body, dict) or not isinstance(signature, dict):
        raise PacketError("not a workbench packet ('packet' and 'signature' must be JSON objects)")
    kind = body.get("kind")
    if kind not in KINDS:
        raise PacketError(f"not a workbench packet (kind {kind!r} is not one of {', '.join(KINDS)})")
    version = body.get("format")
    if version != FORMAT_VERSION:
        raise PacketError(
            f"packet format {version!r} is not one this workbench reads (it reads format {FORMAT_VERSION}); "
            "upgrade workbench, or ask for a packet in that format"
        )
    return body, signature


def _verify_signature(body: dict[str, Any], signature: dict[str, Any]) -> tuple[x509.Certificate, str, str]:
    algorithm = signature.get("algorithm")
    if algorithm not in _ALGORITHMS:
        raise PacketError(f"the signature algorithm {algorithm!r} is not one of {', '.join(_ALGORITHMS)}")
    try:
        certificate = x509.load_pem_x509_certificate(str(signature.get("certificate", "")).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise PacketError("the signature's certificate is not a PEM X.509 certificate") from None
    try:
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
    except (binascii.Error, ValueError):
        raise PacketError("the signature value is not base64") from None
    try:
        data = canonical_body(body)
    except (TypeError, ValueError):
        raise PacketError("the packet body cannot be put in canonical form") from None
    digest = hashlib.sha256(data).hexdigest()
    public_key = certificate.public_key()
    try:
        if algorithm == "ecdsa-sha256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, data, ec.ECDSA(hashes.SHA256()))
        elif algorithm == "rsa-pkcs1v15-sha256" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise PacketError(f"the certificate's key does not match the signature algorithm {algorithm}")
    except InvalidSignature:
        raise PacketError(
            "the signature does not verify: the packet was changed after it was signed (or signed by another key)"
        ) from None
    recorded = signature.get("body_sha256")
    if recorded is None:
        raise PacketError("the signature has no body_sha256 (the digest of the body it covers)")
    if recorded != digest:
        raise PacketError("the recorded body digest differs from the body (the packet was changed after signing)")
    return certificate, certificate.fingerprint(hashes.SHA256()).hex(), digest


def _check_validity(certificate: x509.Certificate, check: PacketCheck) -> None:
    try:
        created = to_utc(datetime.fromisoformat(check.created_at.replace("Z", "+00:00")))
    except ValueError:
        check.problems.append(f"created_at {check.created_at!r} is not an instant")
        return
    if not certificate.not_valid_before_utc <= created <= certificate.not_valid_after_utc:
        check.problems.append(
            f"the signer's certificate was not valid when the packet says it was made ({check.created_at})"
        )


def _chains_to(certificate: x509.Certificate, trusted: x509.Certificate) -> bool:
    if certificate == trusted:
        return True
    try:
        certificate.verify_directly_issued_by(trusted)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def load_trusted_certificate(path: Path) -> x509.Certificate:
    """Read the certificate given with ``--trust`` (PEM or DER).

    Raises:
        InputError: it cannot be read or is not a certificate.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the trusted certificate: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InputError(f"{path}: not an X.509 certificate (PEM or DER)") from None


def check_signer_pinned(
    workspace: Workspace, *, path: Path, issuer_workspace_id: str, issuer_name: str, signed: SignedPacket, trusted: bool
) -> None:
    """Refuse a packet signed by another key than the one earlier packets from the same issuer were signed with.

    Trust on first use: the first packet imported from an issuer workspace pins its signer's certificate (the
    fingerprint stored with the packet, covered by its ledger digest). A later one from that issuer signed by a
    different certificate is accepted only when ``--trust`` named a certificate it chains to (``trusted``).

    Raises:
        PacketError: the signer differs from the pinned one and no ``--trust`` certificate vouches for it.
    """
    from sqlmodel import col, select

    from workbench.store.models import ExchangePacket

    with workspace.store.session() as session:
        pinned = session.exec(
            select(ExchangePacket.signer_fingerprint)
            .where(
                ExchangePacket.issuer_workspace_id == issuer_workspace_id,
                ExchangePacket.direction == "imported",
                ExchangePacket.signer_fingerprint != "",
            )
            .order_by(col(ExchangePacket.recorded_at).desc(), col(ExchangePacket.id))
            .limit(1)
        ).first()
    if pinned is None or pinned == signed.signer_fingerprint or trusted:
        return
    issuer_name = printable(issuer_name)
    raise PacketError(
        f"{path}: signed by certificate SHA-256 {signed.signer_fingerprint}, but earlier packets from {issuer_name} "
        f"(workspace {issuer_workspace_id}) were signed by certificate SHA-256 {pinned}: refused as a possible "
        f"forgery; if {issuer_name} changed its signing key, import with --trust THEIR-NEW-CERT"
    )


def printable(value: str) -> str:
    """Untrusted text from a packet made safe for a one-line message: control characters replaced."""
    return "".join(ch if ch.isprintable() else "?" for ch in value)
