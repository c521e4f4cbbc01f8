"""The evidence bundle for an auditor: a zip of the manifest, SHA256SUMS and every blob the manifest cites."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.clock import parse_stored, to_utc
from workbench.reports.atomic_file import AtomicFile, check_output_path
from workbench.reports.errors import BundleError
from workbench.reports.manifest import MANIFEST_NAME, manifest_bytes, manifest_digest
from workbench.store.blobs import CHUNK
from workbench.workspace import Workspace

SUMS_NAME = "SHA256SUMS"
BLOB_PREFIX = "blobs/"
#: Every name a bundle may hold; nothing else is written, and verification refuses anything else.
ENTRY_NAME = re.compile(r"^(manifest\.json|SHA256SUMS|blobs/[0-9a-f]{64})$")


@dataclass(frozen=True)
class BundleResult:
    """A bundle written to disk."""

    path: Path
    blobs: int
    blob_bytes: int
    manifest_digest: str

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {**self.__dict__, "path": str(self.path)}


def write_bundle(workspace: Workspace, manifest: Mapping[str, Any], out: Path) -> BundleResult:
    """Write the bundle of ``manifest``: ``manifest.json``, every cited blob as ``blobs/<sha256>``, and ``SHA256SUMS``.

    Each blob is re-hashed while it is copied, so a blob that changed in the store since it was recorded stops the
    bundle instead of travelling to the auditor. The zip is written atomically; entry dates are the report's as-of.

    Raises:
        BundleError: a cited blob is missing from the store or no longer matches its hash.
        OutputPathError: the output cannot be written.
    """
    target = check_output_path(out)
    stamp = _zip_time(str(manifest["report"]["as_of"]))
    body = manifest_bytes(manifest)
    sums: dict[str, str] = {MANIFEST_NAME: hashlib.sha256(body).hexdigest()}
    total = 0
    blobs = sorted({str(blob["sha256"]) for blob in manifest["blobs"]})
    with AtomicFile(target) as output:
        with zipfile.ZipFile(output.handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr(_entry(MANIFEST_NAME, stamp), body)
            for sha256 in blobs:
                name = f"{BLOB_PREFIX}{sha256}"
                sums[name], size = _copy_blob(workspace, sha256, archive, _entry(name, stamp))
                total += size
            listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
            archive.writestr(_entry(SUMS_NAME, stamp), listing.encode("ascii"))
        output.commit()
    return BundleResult(path=target, blobs=len(blobs), blob_bytes=total, manifest_digest=manifest_digest(manifest))


def _copy_blob(workspace: Workspace, sha256: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with workspace.store.blobs.open(sha256) as source, archive.open(info, "w", force_zip64=True) as entry:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                entry.write(chunk)
    except FileNotFoundError:
        raise BundleError(
            f"blob {sha256[:12]} cited by the manifest is not in this workspace's store; "
            "bundle the report from the workspace that rendered it"
        ) from None
    except ValueError:
        raise BundleError(f"the manifest cites {sha256!r}, which is not a SHA-256") from None
    if digest.hexdigest() != sha256:
        raise BundleError(
            f"blob {sha256[:12]} in the store now hashes to {digest.hexdigest()[:12]}: it changed after it was "
            "recorded; run 'workbench verify' and restore it before bundling"
        )
    return sha256, size


def _entry(name: str, stamp: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    if not ENTRY_NAME.match(name):
        raise BundleError(f"refusing to write the zip entry {name!r}")
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _zip_time(as_of: str) -> tuple[int, int, int, int, int, int]:
    try:
        moment: datetime = to_utc(parse_stored(as_of))
    except ValueError:
        raise BundleError(f"the manifest's as-of {as_of!r} is not an instant") from None
    # Zip dates start in 1980 and have two-second resolution.
    year = max(moment.year, 1980)
    return (year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2)
