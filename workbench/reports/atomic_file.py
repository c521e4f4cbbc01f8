"""Write a file all at once or not at all: a temp file beside the target, fsync, rename; never a half-written file."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from workbench.reports.errors import OutputPathError


def check_output_path(target: Path) -> Path:
    """Return ``target`` made absolute, after checking that a file can be written there (before any long work).

    Raises:
        OutputPathError: the directory is missing, is not a directory or is read-only, or the target is a directory.
    """
    path = target.expanduser().absolute()
    directory = path.parent
    if path.is_dir():
        raise OutputPathError(f"{target}: is a directory; give a file name such as {target / 'report.pdf'}")
    if not directory.is_dir():
        raise OutputPathError(f"{target}: the directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(f"{target}: the directory {directory} is not writable")
    return path


class AtomicFile:
    """A file written under a temporary name in the target's directory and renamed over the target on commit.

    Leaving the ``with`` block without :meth:`commit` (an exception, a cancellation) removes the temporary file, so
    the target is either the complete new file or untouched.
    """

    def __init__(self, target: Path, *, mode: int = 0o644) -> None:
        self.target = target
        self.mode = mode
        self.temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        self._handle: BinaryIO | None = None
        self.committed = False

    def __enter__(self) -> AtomicFile:
        try:
            # O_EXCL: never write through a file or symlink someone planted under the temporary name.
            fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.mode)
        except OSError as exc:
            raise OutputPathError(f"{self.target}: cannot write here: {exc.strerror}") from None
        self._handle = os.fdopen(fd, "wb")
        return self

    @property
    def handle(self) -> BinaryIO:
        """The open temporary file."""
        if self._handle is None:
            raise RuntimeError("the file is not open")
        return self._handle

    def write(self, data: bytes) -> None:
        """Append bytes to the temporary file.

        Raises:
            OutputPathError: the disk is full or the write failed.
        """
        try:
            self.handle.write(data)
        except OSError as exc:
            raise OutputPathError(f"{self.target}: cannot write: {exc.strerror}") from None

    def commit(self) -> None:
        """Flush and fsync the temporary file, then rename it over the target and fsync the directory.

        Raises:
            OutputPathError: any step failed (the temporary file is removed on leaving the block).
        """
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.temp, self.target)
            self.committed = True
            _fsync_directory(self.target.parent)
        except OSError as exc:
            raise OutputPathError(f"{self.target}: cannot write: {exc.strerror}") from None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._handle is not None and not self._handle.closed:
            with contextlib.suppress(OSError):
                self._handle.close()
        if not self.committed:
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
