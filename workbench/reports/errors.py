"""The errors a report, a signing identity or a bundle can raise, each with a one-line message for the user."""

from __future__ import annotations

from workbench.errors import InputError, WorkbenchError


class ReportError(WorkbenchError):
    """A report cannot be rendered, signed, written or read."""


class NoMappedControlsError(ReportError):
    """The report's framework has no control mapped to it, so there is nothing to report."""


class OutputPathError(ReportError):
    """The output file cannot be written (missing or read-only directory, no space)."""


class ReportCancelled(ReportError):
    """The caller cancelled the rendering; nothing was written."""


class SigningError(ReportError):
    """The report cannot be signed."""


class SigningIdentityMissing(SigningError):
    """No signing identity: the workspace has none and none was given."""


class PassphraseError(SigningError):
    """The signing key's passphrase is missing or wrong."""


class KeyringUnavailableError(SigningError):
    """No OS keyring backend is available to keep or read the signing-key passphrase."""


class BundleError(InputError):
    """An evidence bundle cannot be written."""
