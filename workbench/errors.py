"""The one error hierarchy: every error a user can cause carries a message written for that user."""

from __future__ import annotations


class WorkbenchError(Exception):
    """An error with a one-line, user-facing message.

    The CLI prints ``message`` without a traceback and exits with ``exit_code``; the TUI shows it in a modal.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CatalogError(WorkbenchError):
    """A catalog or control file is malformed; the message starts with ``file:line:``."""


class WorkspaceError(WorkbenchError):
    """The workspace is missing, not a workspace, or cannot be opened."""


class SchemaVersionError(WorkspaceError):
    """The workspace database was written by a newer workbench."""


class StoreLockedError(WorkbenchError):
    """Another process held the workspace database for longer than the busy timeout."""


class InputError(WorkbenchError):
    """Something the user named or typed cannot be used (a missing file, an unknown control id, a bad date)."""


class IntegrityError(WorkbenchError):
    """The workspace does not verify: a blob or a row differs from what the ledger recorded."""
