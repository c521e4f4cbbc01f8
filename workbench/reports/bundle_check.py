"""Check an evidence bundle offline: every zip entry against SHA256SUMS, and both against the report's manifest."""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.reports.bundle import BLOB_PREFIX, ENTRY_NAME, SUMS_NAME
from workbench.reports.manifest import MANIFEST_NAME, ManifestFormatError, manifest_digest, parse_manifest
from workbench.store.blobs import CHUNK

#: A bundle with more entries than this is not one the workbench wrote; refuse to walk it.
MAX_ENTRIES = 1_000_000


@dataclass
class BundleCheck:
    """What checking a bundle found."""

    entries: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"entries": self.entries, "blobs": self.blobs, "blob_bytes": self.blob_bytes}


def check_bundle(bundle: Path, manifest: Mapping[str, Any] | None) -> BundleCheck:
    """Check a bundle against itself and, when given, the manifest embedded in the report.

    Every failure is named: an entry whose name could escape the zip root or is not one a bundle holds, an entry that
    is corrupt inside the zip, a hash that differs from SHA256SUMS, an entry SHA256SUMS does not list (or lists but
    is missing), a manifest that differs from the report's, a blob the manifest cites that is missing or differs.
    """
    check = BundleCheck()
    try:
        archive = zipfile.ZipFile(bundle)
    except (OSError, zipfile.BadZipFile) as exc:
        check.problems.append(f"bundle: {bundle.name} is not a readable zip file ({exc})")
        return check
    with archive:
        infos = archive.infolist()
        check.entries = len(infos)
        if len(infos) > MAX_ENTRIES:
            check.problems.append(f"bundle: holds {len(infos)} entries, more than a bundle ever does")
            return check
        hashes = _hash_entries(archive, infos, check)
        listed = _read_sums(archive, check)
        _compare_sums(hashes, listed, check)
        if manifest is not None:
            _compare_manifest(archive, hashes, manifest, check)
    return check


def _hash_entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], check: BundleCheck) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for info in infos:
        name = info.filename
        if not ENTRY_NAME.match(name):
            check.problems.append(
                f"bundle: unexpected entry {name!r} (a bundle holds only manifest.json, "
                "SHA256SUMS and blobs/<sha256>; names never leave the zip root)"
            )
            continue
        if name in hashes:
            check.problems.append(f"bundle: entry {name} appears twice")
            continue
        digest = hashlib.sha256()
        size = 0
        try:
            with archive.open(info) as entry:
                while chunk := entry.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            check.problems.append(f"bundle: {name} is corrupt inside the zip ({exc})")
            continue
        hashes[name] = digest.hexdigest()
        if name.startswith(BLOB_PREFIX):
            check.blobs += 1
            check.blob_bytes += size
    return hashes


def _read_sums(archive: zipfile.ZipFile, check: BundleCheck) -> dict[str, str]:
    try:
        text = archive.read(SUMS_NAME).decode("ascii")
    except KeyError:
        check.problems.append(f"bundle: has no {SUMS_NAME}")
        return {}
    except (zipfile.BadZipFile, zlib.error, UnicodeDecodeError, OSError) as exc:
        check.problems.append(f"bundle: {SUMS_NAME} cannot be read ({exc})")
        return {}
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            check.problems.append(f"bundle: {SUMS_NAME} line {number} is not '<sha256>  <name>'")
            continue
        listed[name] = digest
    return listed


def _compare_sums(hashes: Mapping[str, str], listed: Mapping[str, str], check: BundleCheck) -> None:
    for name, expected in sorted(listed.items()):
        actual = hashes.get(name)
        if actual is None:
            if ENTRY_NAME.match(name):
                check.problems.append(f"bundle: {name} is listed in {SUMS_NAME} but missing (or unreadable)")
            else:
                check.problems.append(f"bundle: {SUMS_NAME} lists {name!r}, which no bundle may hold")
        elif actual != expected:
            check.problems.append(
                f"bundle: {name} hashes to {actual[:12]}, but {SUMS_NAME} says {expected[:12]} (the entry was changed)"
            )
    for name in sorted(hashes):
        if name != SUMS_NAME and name not in listed:
            check.problems.append(f"bundle: {name} is not listed in {SUMS_NAME}")


def _compare_manifest(
    archive: zipfile.ZipFile, hashes: Mapping[str, str], manifest: Mapping[str, Any], check: BundleCheck
) -> None:
    if MANIFEST_NAME in hashes:
        try:
            bundled = parse_manifest(archive.read(MANIFEST_NAME))
            if manifest_digest(bundled) != manifest_digest(manifest):
                check.problems.append(f"bundle: {MANIFEST_NAME} differs from the manifest embedded in the report")
        except ManifestFormatError as exc:
            check.problems.append(f"bundle: {MANIFEST_NAME} is unusable: {exc}")
    elif MANIFEST_NAME not in archive.namelist():
        check.problems.append(f"bundle: has no {MANIFEST_NAME}")
    for blob in manifest.get("blobs", []):
        sha256 = str(blob.get("sha256", ""))
        name = f"{BLOB_PREFIX}{sha256}"
        actual = hashes.get(name)
        if actual is None:
            check.problems.append(f"bundle: blob {sha256[:12]} cited by the report's manifest is missing ({name})")
        elif actual != sha256:
            check.problems.append(
                f"bundle: {name} hashes to {actual[:12]}, not to the {sha256[:12]} its name and the "
                "manifest say (the blob was changed)"
            )
