"""Model ids of any shape in URLs: a `/` in an id travels as `%2F` and stays one path segment.

WSGI servers decode `%2F` to `/` in PATH_INFO, so `/model/team%2Fllama/load` would reach the
router as four segments and answer 404. A `path` converter would accept it, but it would also
swallow the route's tail (`GET /model/<id>/load` would become a lookup of the id `<id>/load`
instead of a 405). So the app re-derives PATH_INFO from the raw request target, decoding every
escape except `%2F` and `%25`, and the `model_id` converter decodes those two inside the
segment. Any id (dots, colons, spaces, unicode, slashes, `%`) then works when it is sent
percent-encoded as one segment, as official clients send it.
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote_to_bytes, urlsplit

from werkzeug.routing import BaseConverter

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Escapes that must survive routing: the segment separator and the escape character itself.
_KEPT_ESCAPE = re.compile(r"(%2F|%25)", re.IGNORECASE)


def _path_info(raw_path: str) -> str:
    """PATH_INFO (a WSGI latin-1 string) for `raw_path`, with `%2F` and `%25` still encoded."""
    parts = _KEPT_ESCAPE.split(raw_path)
    decoded = b"".join(
        part.upper().encode("ascii") if index % 2 else unquote_to_bytes(part)
        for index, part in enumerate(parts)
    )
    return decoded.decode("latin-1")


class KeepEncodedSlashes:
    """WSGI middleware: route on the raw request target (Werkzeug and gunicorn both pass it)."""

    def __init__(self, wsgi_app: "WSGIApplication"):
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        raw_target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw_target:
            environ["PATH_INFO"] = _path_info(urlsplit(raw_target).path)
        return self.wsgi_app(environ, start_response)


class ModelIdConverter(BaseConverter):
    """One path segment, in which `%2F` and `%25` stand for `/` and `%`."""

    def to_python(self, value: str) -> str:
        return _KEPT_ESCAPE.sub(lambda match: "/" if match[0].upper() == "%2F" else "%", value)

    def to_url(self, value: str) -> str:
        return quote(value, safe="")
