"""HTML to PDF with WeasyPrint: packaged assets only, the manifest attached, and nothing random or time-based."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from weasyprint import HTML, Attachment  # type: ignore[import-untyped]

from workbench.clock import to_utc
from workbench.reports.asset_fetcher import PackagedAssetFetcher
from workbench.reports.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class RenderedPdf:
    """An unsigned report: the PDF bytes and how many pages they hold."""

    data: bytes
    pages: int


MANIFEST_DESCRIPTION = "Report manifest: every evidence record this report rests on, with the SHA-256 of its files"


def html_to_pdf(
    html: str,
    *,
    manifest: bytes,
    manifest_digest: str,
    as_of: datetime,
    fetcher: PackagedAssetFetcher | None = None,
) -> RenderedPdf:
    """Render HTML to PDF bytes with ``manifest`` embedded as the attached file ``manifest.json``.

    The same inputs give the same bytes: the PDF's dates are the as-of instant (from the HTML's ``dcterms`` meta
    and the attachment's dates), its file identifier is derived from the manifest digest, and WeasyPrint is given
    nothing else that varies.
    """
    moment = to_utc(as_of).replace(microsecond=0)
    attachment = Attachment(
        string=manifest,
        name=MANIFEST_NAME,
        description=MANIFEST_DESCRIPTION,
        created=moment,
        modified=moment,
        relationship="Data",
    )
    options = {
        "attachments": [attachment],
        "pdf_identifier": manifest_digest[:32].encode("ascii"),
        "custom_metadata": False,
    }
    with _font_timestamps(moment):
        html_document = HTML(string=html, url_fetcher=fetcher or PackagedAssetFetcher(), media_type="print")
        document = html_document.render(**options)
        pdf: bytes = document.write_pdf(**options)
    return RenderedPdf(data=pdf, pages=len(document.pages))


#: One rendering at a time per process: the font timestamp below is set through the environment.
_RENDER_LOCK = threading.Lock()


@contextlib.contextmanager
def _font_timestamps(moment: datetime) -> Iterator[None]:
    """Stamp subset fonts with the as-of instant instead of the current time.

    When WeasyPrint subsets fonts with fontTools (no HarfBuzz-subset library), fontTools writes the current time
    into each font's ``head.modified``, unless ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) gives it.
    """
    with _RENDER_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous
