"""Sign a rendered report PAdES B-B with pyHanko, with the workspace's identity or an organisation's own."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from workbench.clock import utc_now
from workbench.errors import InputError
from workbench.reports.async_bridge import run_coroutine
from workbench.reports.errors import PassphraseError, SigningError, SigningIdentityMissing
from workbench.reports.identity import workspace_identity
from workbench.reports.options import SigningChoice
from workbench.reports.passphrases import PASSPHRASE_ENV, Passphrase, read_passphrase
from workbench.workspace import Workspace

SIGNATURE_FIELD = "ReportSignature"


@dataclass(frozen=True)
class ReportSigner:
    """A loaded signing identity: pyHanko's signer and the signer's name for people."""

    signer: signers.SimpleSigner
    subject: str


def load_signer(workspace: Workspace, choice: SigningChoice) -> ReportSigner:
    """Load the identity that signs: ``--p12``, ``--key``/``--cert``, or the workspace's own.

    Raises:
        SigningIdentityMissing: none given and the workspace has none.
        PassphraseError: the passphrase is missing or wrong.
        KeyringUnavailableError: the passphrase is in no variable and no keyring is available.
        InputError: a file cannot be read or is not a key or certificate.
    """
    if choice.p12_file is not None:
        if choice.key_file is not None or choice.cert_file is not None:
            raise InputError("give either --p12 or --key with --cert, not both")
        return _from_p12(choice.p12_file)
    if choice.key_file is not None or choice.cert_file is not None:
        if choice.key_file is None or choice.cert_file is None:
            raise InputError("--key and --cert go together: give both")
        entry = _external_entry(choice.key_file)
        return _from_pem(choice.key_file, choice.cert_file, lambda: read_passphrase(entry))
    identity = workspace_identity(workspace)
    if identity is None:
        raise SigningIdentityMissing(
            "no signing identity: create one with 'workbench keys init', sign with your own (--key/--cert or "
            "--p12), or render an unsigned draft with --no-sign"
        )
    passphrase = read_passphrase(identity.keyring_entry)
    if passphrase is None:
        raise PassphraseError(
            f"the passphrase of the workspace's signing key is not in the OS keyring (entry {identity.keyring_entry}); "
            f"set {PASSPHRASE_ENV}, or create a new identity with 'workbench keys init --replace'"
        )
    return _from_pem(identity.key_path, identity.cert_path, lambda: passphrase)


def sign_pdf(pdf: bytes, signer: ReportSigner, *, reason: str) -> bytes:
    """Return ``pdf`` with a PAdES B-B signature appended (an incremental update covering the whole file).

    Raises:
        SigningError: pyHanko could not sign (a key it does not support, a PDF it cannot update).
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name=signer.subject,
    )

    async def sign() -> bytes:
        output = io.BytesIO()
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        await signers.async_sign_pdf(writer, metadata, signer=signer.signer, output=output)
        return output.getvalue()

    try:
        return run_coroutine(sign)
    except (PdfError, PyHankoSigningError, ValueError, NotImplementedError) as exc:
        raise SigningError(f"pyHanko could not sign the report: {exc}") from None


def _external_entry(path: Path) -> str:
    """The keyring entry that holds the passphrase of an organisation's own key or PKCS#12 file."""
    return f"key-file:{path.expanduser().absolute()}"


def _read(path: Path, what: str) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what}: {exc.strerror}") from None


def _from_pem(key_file: Path, cert_file: Path, passphrase_of: Callable[[], Passphrase | None]) -> ReportSigner:
    """Load a PEM key and its certificate; the passphrase is looked up only when the key is encrypted."""
    key_data = _read(key_file, "signing key")
    certificate = _load_certificate(cert_file, _read(cert_file, "certificate"))
    encrypted = b"ENCRYPTED" in key_data
    passphrase = passphrase_of() if encrypted else None
    if encrypted and passphrase is None:
        raise PassphraseError(
            f"{key_file}: the key is encrypted and no passphrase was found: set {PASSPHRASE_ENV}, or keep it in the "
            f"OS keyring under {_external_entry(key_file)}"
        )
    try:
        password = passphrase.value.encode("utf-8") if encrypted and passphrase is not None else None
        private_key = serialization.load_pem_private_key(key_data, password=password)
    except ValueError:
        if encrypted and passphrase is not None:
            raise PassphraseError(f"{key_file}: wrong passphrase (from {passphrase.source})") from None
        raise InputError(f"{key_file}: not a PEM private key") from None
    except (TypeError, UnsupportedAlgorithm):
        raise InputError(f"{key_file}: not a private key this workbench can sign with") from None
    return _signer(private_key, certificate, [], cert_file)


def _from_p12(p12_file: Path) -> ReportSigner:
    data = _read(p12_file, "PKCS#12 file")
    try:  # a PKCS#12 file without a password needs no keyring
        private_key, certificate, chain = pkcs12.load_key_and_certificates(data, None)
        return _p12_signer(p12_file, private_key, certificate, chain)
    except ValueError:
        pass
    passphrase = read_passphrase(_external_entry(p12_file))
    try:
        private_key, certificate, chain = pkcs12.load_key_and_certificates(
            data, passphrase.value.encode("utf-8") if passphrase is not None else None
        )
    except ValueError:
        if passphrase is None:
            raise PassphraseError(
                f"{p12_file}: cannot open it without a passphrase: set {PASSPHRASE_ENV}, or keep it in the OS keyring "
                f"under {_external_entry(p12_file)}"
            ) from None
        raise PassphraseError(
            f"{p12_file}: wrong passphrase (from {passphrase.source}), or not a PKCS#12 file"
        ) from None
    return _p12_signer(p12_file, private_key, certificate, chain)


def _p12_signer(
    p12_file: Path,
    private_key: PrivateKeyTypes | None,
    certificate: x509.Certificate | None,
    chain: list[x509.Certificate],
) -> ReportSigner:
    if private_key is None or certificate is None:
        raise InputError(f"{p12_file}: the PKCS#12 file holds no private key and certificate pair")
    return _signer(private_key, certificate, list(chain), p12_file)


def _load_certificate(cert_file: Path, data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InputError(f"{cert_file}: not an X.509 certificate (PEM or DER)") from None


def _signer(
    private_key: PrivateKeyTypes, certificate: x509.Certificate, chain: list[x509.Certificate], source: Path
) -> ReportSigner:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InputError(f"{source}: only RSA and EC keys can sign reports")
    now = utc_now()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningError(
            f"{source}: the signing certificate is valid only from {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}; renew it (or 'workbench keys init --replace')"
        )
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(der, spki) != certificate.public_key().public_bytes(der, spki):
        raise InputError(f"{source}: the private key does not belong to the certificate")
    signing_cert = asn1_x509.Certificate.load(certificate.public_bytes(der))
    signing_key = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    others = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]
    simple = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([signing_cert, *others]),  # type: ignore[no-untyped-call]
    )
    return ReportSigner(signer=simple, subject=certificate.subject.rfc4514_string())
