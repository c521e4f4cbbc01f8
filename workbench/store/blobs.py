"""Content-addressed blobs: streamed in constant memory, written atomically, stored once per SHA-256."""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: Read and write in 1 MiB pieces: large enough for full disk speed, small enough for constant memory.
CHUNK = 1 << 20
_IN_FLIGHT = 8
#: the writer flushes to disk after this many bytes, so the closing fsync is short
_SYNC_EVERY = 64 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredBlob:
    """A blob as stored: its SHA-256 (hex) and size in bytes."""

    sha256: str
    size: int


class BlobStore(ABC):
    """Where blob bytes live. The local directory is one implementation; an S3 bucket is another."""

    @abstractmethod
    def put_stream(self, source: BinaryIO) -> StoredBlob:
        """Store everything read from ``source``; return its hash and size. Storing the same bytes twice is a no-op."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading.

        Raises:
            FileNotFoundError: when no such blob is stored.
        """

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Tell whether a blob is stored."""

    @abstractmethod
    def iter_stored(self) -> Iterator[str]:
        """Yield the hash of every stored blob."""

    def rehash(self, sha256: str) -> StoredBlob:
        """Read a stored blob end to end and return what its bytes hash to now (for verification)."""
        digest = hashlib.sha256()
        size = 0
        with self.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return StoredBlob(digest.hexdigest(), size)


class LocalBlobStore(BlobStore):
    """Blobs in a directory: ``objects/ab/abcdef...``, with ``objects/tmp/`` for writes in progress."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def path_for(self, sha256: str) -> Path:
        """Return where the blob with this hash lives."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put_stream(self, source: BinaryIO) -> StoredBlob:
        self.tmp.mkdir(parents=True, exist_ok=True)
        temp = self.tmp / f"{secrets.token_hex(8)}.part"
        try:
            # O_EXCL: never write through a file or symlink someone planted under the temp name.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as out:
                digest, size = _hash_and_write(source, out)
                out.flush()
                os.fsync(out.fileno())
            final = self.path_for(digest)
            if final.exists():
                temp.unlink()  # deduplicated: the same bytes are already stored
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, final)
                _fsync_dir(final.parent)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        return StoredBlob(digest, size)

    def open(self, sha256: str) -> BinaryIO:
        return self.path_for(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def remove_stale_temp_files(self, older_than_seconds: float = 3600.0) -> int:
        """Delete partial writes that a crashed process left behind; return how many.

        Only files untouched for ``older_than_seconds`` go: another process may be writing the younger ones.
        """
        removed = 0
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        for leftover in self.tmp.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        return removed

    def iter_stored(self) -> Iterator[str]:
        """Yield the hash of every stored blob."""
        for fan in sorted(self.root.iterdir()) if self.root.is_dir() else ():
            if fan.is_dir() and len(fan.name) == 2:
                for blob in sorted(fan.iterdir()):
                    if _SHA256.match(blob.name):
                        yield blob.name


def _hash_and_write(source: BinaryIO, out: BinaryIO) -> tuple[str, int]:
    """Hash and write the same chunks in parallel: the writer thread and hashlib both release the GIL, so a large
    attachment costs about as long as reading it. A fixed ring of ``_IN_FLIGHT`` buffers is filled with
    ``readinto`` and reused, so memory stays flat and no page is allocated (and faulted in) twice.

    A source that ends within its first chunk (most evidence: API responses, notes, small files) is hashed and
    written at once: a writer thread and a ring of 8 MiB of zeroed buffers cost milliseconds, far more than the
    bytes themselves."""
    head = _read_up_to(source, CHUNK)
    digest = hashlib.sha256(head)
    size = len(head)
    out.write(head)
    if size < CHUNK:
        return digest.hexdigest(), size
    del head
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(_IN_FLIGHT):
        free.put(bytearray(CHUNK))
    filled: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
    failure: list[BaseException] = []

    def write() -> None:
        unsynced = 0
        try:
            while (item := filled.get()) is not None:
                buffer, length = item
                out.write(memoryview(buffer)[:length])
                free.put(buffer)
                unsynced += length
                if unsynced >= _SYNC_EVERY:
                    # Flush to disk as we go, while the reader hashes on: the final fsync then has little left to
                    # do, instead of a gigabyte of dirty pages at the end.
                    out.flush()
                    os.fdatasync(out.fileno())
                    unsynced = 0
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which re-raises it
            failure.append(exc)
            while (item := filled.get()) is not None:  # drain so the reader never waits on a dead writer
                free.put(item[0])

    writer = threading.Thread(target=write, name="blob-writer", daemon=True)
    writer.start()
    try:
        while not failure:
            buffer = free.get()
            length = source.readinto(buffer)  # type: ignore[attr-defined]
            if not length:
                free.put(buffer)
                break
            digest.update(memoryview(buffer)[:length])
            size += length
            filled.put((buffer, length))
    finally:
        filled.put(None)
        writer.join()
    if failure:
        raise failure[0]
    return digest.hexdigest(), size


def _read_up_to(source: BinaryIO, limit: int) -> bytes:
    """Read ``limit`` bytes, or fewer only at the end of ``source`` (a raw stream may return short reads)."""
    pieces = []
    wanted = limit
    while wanted > 0 and (piece := source.read(wanted)):
        pieces.append(piece)
        wanted -= len(piece)
    return b"".join(pieces)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
