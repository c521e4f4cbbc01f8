"""Signing-key passphrases: kept only in the OS keyring, or given by ``WORKBENCH_SIGNING_PASSPHRASE`` in CI."""

from __future__ import annotations

import os
from dataclasses import dataclass

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from workbench.reports.errors import KeyringUnavailableError

KEYRING_SERVICE = "compliance-evidence-workbench"
PASSPHRASE_ENV = "WORKBENCH_SIGNING_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret


@dataclass(frozen=True)
class Passphrase:
    """A passphrase and where it came from (named in error messages; the value never is)."""

    value: str
    source: str


def store_passphrase(entry: str, passphrase: str) -> None:
    """Keep ``passphrase`` in the OS keyring under ``entry``.

    Raises:
        KeyringUnavailableError: no keyring backend, or the keyring refused.
    """
    try:
        keyring.set_password(KEYRING_SERVICE, entry, passphrase)
    except NoKeyringError:
        raise KeyringUnavailableError(
            "no OS keyring is available to keep the signing-key passphrase (install and unlock one, such as "
            "GNOME Keyring or KWallet; the passphrase is never written to disk)"
        ) from None
    except KeyringError as exc:
        raise KeyringUnavailableError(f"the OS keyring refused to keep the signing-key passphrase: {exc}") from None


def read_passphrase(entry: str) -> Passphrase | None:
    """Return the passphrase for ``entry``: ``$WORKBENCH_SIGNING_PASSPHRASE`` when set, else the keyring's.

    Returns None when the keyring has no such entry.

    Raises:
        KeyringUnavailableError: the variable is unset and no keyring backend is available.
    """
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return Passphrase(from_env, PASSPHRASE_ENV)
    try:
        stored = keyring.get_password(KEYRING_SERVICE, entry)
    except NoKeyringError:
        raise KeyringUnavailableError(
            "no OS keyring is available to read the signing-key passphrase from; unlock one, or set "
            f"{PASSPHRASE_ENV} (in CI), or render with --no-sign"
        ) from None
    except KeyringError as exc:
        raise KeyringUnavailableError(f"the OS keyring refused to give the signing-key passphrase: {exc}") from None
    return None if stored is None else Passphrase(stored, f"the OS keyring entry {KEYRING_SERVICE}/{entry}")


def forget_passphrase(entry: str) -> None:
    """Remove ``entry`` from the keyring if it is there (undoing a half-made identity)."""
    try:
        keyring.delete_password(KEYRING_SERVICE, entry)
    except (PasswordDeleteError, KeyringError):
        return
