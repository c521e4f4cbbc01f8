"""The workspace's own signing identity: a self-signed certificate and a PKCS#8 key encrypted with a keyring secret."""

from __future__ import annotations

import contextlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.reports.atomic_file import AtomicFile
from workbench.reports.errors import OutputPathError, SigningError
from workbench.reports.passphrases import forget_passphrase, store_passphrase
from workbench.workspace import Workspace

KEYS_DIR = "keys"
KEY_NAME = "signing-key.pem"
CERT_NAME = "signing-cert.pem"
IDENTITY_NAME = "signing-identity.json"
ALGORITHMS = ("ec-p256", "rsa-3072")
VALIDITY_DAYS = 3 * 365


@dataclass(frozen=True)
class IdentityInfo:
    """A workspace signing identity as described in ``keys/signing-identity.json`` (never the passphrase)."""

    key_path: Path
    cert_path: Path
    subject: str
    algorithm: str
    fingerprint_sha256: str
    not_after: str
    keyring_entry: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "key": str(self.key_path),
            "certificate": str(self.cert_path),
            "subject": self.subject,
            "algorithm": self.algorithm,
            "fingerprint_sha256": self.fingerprint_sha256,
            "not_after": self.not_after,
            "keyring_entry": self.keyring_entry,
        }


def create_identity(
    workspace: Workspace, *, algorithm: str = "ec-p256", common_name: str | None = None, replace: bool = False
) -> IdentityInfo:
    """Create a self-signed signing identity in ``<workspace>/keys/``.

    The private key is written as encrypted PKCS#8 under a random passphrase, and the passphrase goes only to the OS
    keyring. The keyring is written first, so a missing keyring leaves no key behind; a failed file write removes
    the keyring entry again.

    Raises:
        InputError: an unknown algorithm, or an identity exists and ``replace`` is False.
        KeyringUnavailableError: no keyring backend to keep the passphrase in.
    """
    if algorithm not in ALGORITHMS:
        raise InputError(f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
    keys_dir = workspace.path / KEYS_DIR
    if (keys_dir / IDENTITY_NAME).exists() and not replace:
        raise InputError(
            f"{keys_dir / IDENTITY_NAME}: the workspace already has a signing identity; "
            "reports signed with it verify against its certificate, so replace it only on purpose (--replace)"
        )
    name = (common_name or f"{workspace.settings.organisation or 'Workbench'} report signing").strip()
    if not name or len(name) > 64:
        raise InputError("the signing identity's name (--name) must be 1 to 64 characters")
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ec-p256"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    now = utc_now()
    certificate = _self_signed_certificate(private_key, name, workspace.settings.organisation, now)
    passphrase = secrets.token_urlsafe(32)
    entry = f"signing-key:{uuid.uuid4()}"
    key_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    info = IdentityInfo(
        key_path=keys_dir / KEY_NAME,
        cert_path=keys_dir / CERT_NAME,
        subject=certificate.subject.rfc4514_string(),
        algorithm=algorithm,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        not_after=certificate.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
        keyring_entry=entry,
    )
    previous = workspace_identity(workspace) if replace else None
    store_passphrase(entry, passphrase)
    try:
        keys_dir.mkdir(mode=0o700, exist_ok=True)
        _write(info.key_path, key_pem, mode=0o600)
        _write(info.cert_path, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
        description = {**info.as_dict(), "key": KEY_NAME, "certificate": CERT_NAME, "created_at": _iso(now)}
        _write(keys_dir / IDENTITY_NAME, (json.dumps(description, indent=2) + "\n").encode(), mode=0o644)
    except (OSError, OutputPathError) as exc:
        forget_passphrase(entry)
        reason = exc.strerror if isinstance(exc, OSError) else exc.message
        raise SigningError(f"{keys_dir}: cannot write the signing identity: {reason}") from None
    if previous is not None:
        forget_passphrase(previous.keyring_entry)
    return info


def workspace_identity(workspace: Workspace) -> IdentityInfo | None:
    """Return the workspace's signing identity, or None when ``workbench keys init`` was never run.

    Raises:
        SigningError: the description file exists but cannot be read.
    """
    keys_dir = workspace.path / KEYS_DIR
    description_path = keys_dir / IDENTITY_NAME
    if not description_path.exists():
        return None
    try:
        data = json.loads(description_path.read_text(encoding="utf-8"))
        return IdentityInfo(
            key_path=keys_dir / Path(str(data["key"])).name,
            cert_path=keys_dir / Path(str(data["certificate"])).name,
            subject=str(data["subject"]),
            algorithm=str(data["algorithm"]),
            fingerprint_sha256=str(data["fingerprint_sha256"]),
            not_after=str(data["not_after"]),
            keyring_entry=str(data["keyring_entry"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"{description_path}: cannot read the signing identity ({exc})") from None


def _self_signed_certificate(
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, common_name: str, organisation: str, now: datetime
) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation.strip():
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation.strip()[:64]))
    subject = x509.Name(attributes)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def _write(path: Path, data: bytes, *, mode: int) -> None:
    with AtomicFile(path, mode=mode) as handle:
        handle.write(data)
        handle.commit()
    with contextlib.suppress(OSError):
        path.chmod(mode)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
