"""Attachments named by a user: checked before anything is written, then streamed into the blob store."""

from __future__ import annotations

import mimetypes
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError

MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class Attachment:
    """A file the user named, checked and ready to read."""

    named: Path
    resolved: Path
    name: str
    media_type: str
    size: int


def check_attachment(named: str | Path) -> Attachment:
    """Check that a path names a readable regular file that does not lead somewhere else.

    A symlink, the file's own or a directory's above it, is followed only when its target stays inside the
    directory that holds the link: a link to ``/etc/shadow`` (or to ``/etc``) dropped into an evidence folder is
    refused, a link to a sibling file is fine.

    Raises:
        InputError: one line naming the path and what is wrong with it.
    """
    path = Path(named).expanduser()
    shown = str(named)
    if not os.path.lexists(path):
        raise InputError(f"attachment {shown}: no such file")
    try:
        path.lstat()
    except OSError as exc:
        raise InputError(f"attachment {shown}: cannot read it ({exc.strerror})") from None
    escape = _escaping_link(path)
    if escape is not None:
        link, target, container = escape
        what = "is a symlink" if link == Path(os.path.abspath(path)) else f"lies under {link}, a symlink"
        raise InputError(
            f"attachment {shown}: {what} to {target}, outside {container}; name the file itself if you mean it"
        )
    resolved = path.resolve()
    try:
        info = resolved.stat()
    except OSError as exc:
        raise InputError(f"attachment {shown}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"attachment {shown}: is a directory; attach the files inside it one by one")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"attachment {shown}: is not a regular file")
    if not os.access(resolved, os.R_OK):
        raise InputError(f"attachment {shown}: permission denied")
    name = safe_name(path.name)
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Attachment(named=path, resolved=resolved, name=name, media_type=media_type, size=info.st_size)


def _escaping_link(path: Path) -> tuple[Path, Path, Path] | None:
    """The first symlink on ``path`` (the file or any directory above it) that leads outside the directory holding
    it, with its target and that directory; None when every link stays where it was put.

    A link from the root (``/home -> /usr/home``) stays inside ``/`` and is fine; ``evidence/sys -> /etc`` is not.
    """
    absolute = Path(os.path.abspath(path))
    current = Path(absolute.anchor)
    for part in absolute.parts[1:]:
        current = current / part
        if current.is_symlink():
            container = current.parent.resolve()
            target = current.resolve()
            if not target.is_relative_to(container):
                return current, target, container
    return None


def safe_name(name: str) -> str:
    """Return a file name that is safe to show and to write anywhere: no directories, no control characters."""
    cleaned = unicodedata.normalize("NFC", name)
    cleaned = "".join("_" if (ch in "/\\:" or unicodedata.category(ch)[0] == "C") else ch for ch in cleaned)
    cleaned = cleaned.strip().lstrip(".") or "attachment"
    if len(cleaned.encode("utf-8")) > MAX_NAME_LENGTH:
        stem, dot, suffix = cleaned.rpartition(".")
        keep = suffix if dot and len(suffix) <= 16 else ""
        budget = MAX_NAME_LENGTH - len(keep.encode("utf-8")) - 1
        head = (stem if keep else cleaned).encode("utf-8")[:budget].decode("utf-8", errors="ignore")
        cleaned = f"{head}.{keep}" if keep else head
    return cleaned
