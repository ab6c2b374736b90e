"""Fixed files the HTML side serves (the dashboard's pages, script and style sheet, the embeds'
style sheet): an ETag from their bytes, 304 when the client has them, and a versioned address
(`?v=` the first twelve digits of that hash) for the pages that name them, under which an
asset may be cached for good.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from app.http import matches, not_modified

SHORT_CACHE = "public, max-age=300"
FOR_GOOD = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    cache_control: str = SHORT_CACHE
    headers: Mapping[str, str] = field(default_factory=dict)
    for_good: bool = False  # cached for good under its versioned address

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.blake2b(self.body, digest_size=12).hexdigest()

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def version(self) -> str:
        """What `?v=` names for this content."""
        return self.digest[:12]

    def url(self, path: str) -> str:
        return f"{path}?v={self.version}"


def serve(request: Request, asset: Asset) -> Response:
    """The asset, or 304 when the client has it."""
    versioned = asset.for_good and request.query_params.get("v") == asset.version
    headers = {"Cache-Control": FOR_GOOD if versioned else asset.cache_control, **asset.headers}
    if matches(request.headers.get("if-none-match"), asset.etag):
        return not_modified(asset.etag, headers)
    return Response(
        asset.body, media_type=asset.media_type, headers={"ETag": asset.etag, **headers}
    )
