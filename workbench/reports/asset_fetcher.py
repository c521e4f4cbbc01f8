"""WeasyPrint's only way to load anything: packaged assets by name, never a file path, never the network."""

from __future__ import annotations

import re
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

from workbench.resources import data_dir

#: Templates refer to packaged assets as ``workbench-asset:NAME``; no other URL is ever served.
ASSET_SCHEME = "workbench-asset:"
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(css|svg|png|woff2|ttf|otf)$")
_MEDIA_TYPES = {
    "css": "text/css",
    "svg": "image/svg+xml",
    "png": "image/png",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
}


class RefusedURLError(ValueError):
    """A URL that is not a packaged asset; WeasyPrint leaves the resource out and renders on."""


class PackagedAssetFetcher(URLFetcher):  # type: ignore[misc]
    """Serve ``workbench-asset:NAME`` from the packaged ``assets/`` directory and refuse every other URL.

    Report content is escaped by the templates, so user text never becomes a URL in the first place; this fetcher
    is the second wall: even a template mistake cannot make WeasyPrint read ``file:///etc/passwd`` or call out.
    """

    def __init__(self, assets: Path | None = None) -> None:
        super().__init__(allowed_protocols=("workbench-asset",), allow_redirects=False)
        self.assets = (assets if assets is not None else data_dir("assets")).resolve()

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return the named asset.

        Raises:
            RefusedURLError: for any URL that is not a packaged asset (WeasyPrint logs it and leaves it out).
        """
        if not url.startswith(ASSET_SCHEME):
            raise RefusedURLError(f"only packaged assets are served, not {url[:80]!r}")
        name = url[len(ASSET_SCHEME) :].lstrip("/")
        if not _ASSET_NAME.match(name):
            raise RefusedURLError(f"{name[:80]!r} is not a packaged asset name")
        path = (self.assets / name).resolve()
        if path.parent != self.assets or not path.is_file():
            raise RefusedURLError(f"{name!r} is not a packaged asset")
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": _MEDIA_TYPES[name.rsplit(".", 1)[1]]},
        )
