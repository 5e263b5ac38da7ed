"""Small request helpers shared by views."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def local_path(url: str | None) -> str | None:
    """Return a same-site path (with query) for `url`, or None: never redirect off-site."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.netloc != request.host:
            return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


def page_url(page: int) -> str:
    """The current page's URL with its filters kept and another page number."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)
