"""Where a page sends the browser next: only ever to a path on this site."""

import re
from urllib.parse import urlsplit

from flask import request

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def safe_local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, ``default`` otherwise (no open redirects, and
    nothing that cannot go in a Location header)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or CONTROL_CHARACTERS.search(target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def local_path_of_url(url: str, default: str = "/") -> str:
    """The path and query of a full URL a browser sent (htmx's ``HX-Current-URL``), if they
    make a path on this site; ``default`` otherwise, a malformed URL included."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1": not a URL at all
        return default
    return safe_local_path(parts.path + (f"?{parts.query}" if parts.query else ""), default)


def next_url() -> str:
    """Where a no-JavaScript form should come back to: the page that showed it. A request made
    from a page for a part of it (a confirmation, or a row put back in place) names the page in
    ``next``."""
    if request.method == "POST":
        return safe_local_path(request.form.get("next"))
    if "next" in request.args:
        return safe_local_path(request.args.get("next"))
    return request.full_path.rstrip("?")
