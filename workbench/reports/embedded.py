"""Read a file embedded in a PDF (the report's ``manifest.json``) with pyHanko's reader."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from workbench.errors import InputError
from workbench.reports.manifest import MANIFEST_NAME, ManifestFormatError, parse_manifest

#: Name trees deeper than this are not what WeasyPrint writes; stop rather than follow a crafted loop.
_MAX_DEPTH = 8


class EmbeddedFileMissing(LookupError):
    """The PDF has no embedded file of that name."""


def open_pdf(data: bytes) -> Any:
    """Return a pyHanko reader over PDF bytes (lenient, as pyHanko's validation expects).

    Raises:
        PdfError: the bytes are not a PDF pyHanko can read.
    """
    return PdfFileReader(io.BytesIO(data), strict=False)


def embedded_file(reader: Any, name: str) -> bytes:
    """Return the bytes of the embedded file called ``name``.

    Raises:
        EmbeddedFileMissing: there is none.
        PdfError: the PDF's structures are damaged.
    """
    root = reader.root
    names = root.get("/Names")
    tree = names.get("/EmbeddedFiles") if names is not None else None
    if tree is None:
        raise EmbeddedFileMissing(name)
    spec = _lookup(tree, name, depth=0)
    if spec is None:
        raise EmbeddedFileMissing(name)
    stream = spec["/EF"].get("/F") or spec["/EF"].get("/UF")
    if stream is None:
        raise EmbeddedFileMissing(name)
    data: bytes = stream.get_object().data
    return data


def _lookup(node: Any, name: str, *, depth: int) -> Any:
    node = node.get_object()
    entries = node.get("/Names")
    if entries is not None:
        for position in range(0, len(entries) - 1, 2):
            if str(entries[position]) == name:
                return entries[position + 1].get_object()
    if depth >= _MAX_DEPTH:
        return None
    for kid in node.get("/Kids") or ():
        found = _lookup(kid, name, depth=depth + 1)
        if found is not None:
            return found
    return None


def manifest_of_report(pdf: Path) -> dict[str, Any]:
    """Return the manifest embedded in a report file.

    Raises:
        InputError: the file cannot be read, is not a PDF, or carries no readable manifest.
    """
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise InputError(f"{pdf}: cannot read the report: {exc.strerror}") from None
    try:
        return parse_manifest(embedded_file(open_pdf(data), MANIFEST_NAME))
    except EmbeddedFileMissing:
        raise InputError(f"{pdf}: carries no embedded {MANIFEST_NAME}; is it a workbench report?") from None
    except ManifestFormatError as exc:
        raise InputError(f"{pdf}: its embedded {MANIFEST_NAME} is unusable: {exc}") from None
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{pdf}: not a PDF this workbench can read ({exc})") from None
