"""Where a page sends the browser next: only ever to a path on this site."""
from urllib.parse import urlsplit

from flask import request


def safe_local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, ``default`` otherwise (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def next_url() -> str:
    """Where a no-JavaScript form should come back to: the page that showed it."""
    if request.method == "POST":
        return safe_local_path(request.form.get("next"))
    return request.full_path.rstrip("?")
