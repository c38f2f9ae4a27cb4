"""The page elements the live socket replaces, rendered as the page's own request would render
them, for a user of the page's role."""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property

from flask import Flask, g, render_template

from ..accounts.users import User
from ..activity.log import recent_for_model
from ..pieces.client import UpstreamError
from ..pieces.listing import summarize
from ..pieces.model import Model
from .pages import Page
from .progress import DownloadProgress

#: A fragment that is a table row (a model's row on the list).
_TABLE_ROW = re.compile(r"\s*<tr[\s>]")


def as_messages(fragments: tuple[str, ...]) -> list[str]:
    """The fragments, in their order, as the texts of the WebSocket messages that carry them.

    The browser parses each message's HTML as one piece, outside any table: there a table row
    parses only before any other element (after one it is silently dropped, and its row on the
    page never changes). So each run of rows is a message of its own.
    """
    messages: list[list[str]] = []
    rows = None  # whether the message being filled holds rows
    for fragment in fragments:
        row = bool(_TABLE_ROW.match(fragment))
        if row != rows:
            messages.append([])
            rows = row
        messages[-1].append(fragment)
    return ["".join(message) for message in messages]


class Fragments:
    """One method per kind of element; each returns HTML that htmx swaps in by id."""

    def __init__(self, app: Flask):
        self.app = app

    def model(self, page: Page, model_id: str, model: Model | None) -> str:
        """The model's row or card (``None``: it vanished meanwhile, an empty one)."""
        template = "catalog/_card.html" if page.view == "card" else "catalog/_row.html"
        return self._render(page, template, model=model, model_id=model_id, error=None,
                            oob=True)

    def summary(self, page: Page, models: list[Model]) -> str:
        return self._render(page, "catalog/_summary.html", summary=summarize(models), oob=True)

    def banner(self, page: Page, error: UpstreamError | None,
               listed_at: datetime | None = None) -> str:
        return self._render(page, "_banner.html", oob=True, error=error, listed_at=listed_at)

    def notices(self, page: Page) -> str:
        """What every page says of Pieces OS itself: version, local runtime, a move."""
        return self._render(page, "_notices.html", oob=True)

    def machine(self, page: Page) -> str:
        """The list's machine card: RAM, GPUs, memory in use, the local runtime."""
        return self._render(page, "catalog/_machine.html", oob=True)

    def footer(self, page: Page) -> str:
        return self._render(page, "_footer.html", oob=True)

    def downloads(self, page: Page) -> str:
        """The header's strip of the downloads running now."""
        return self._render(page, "live/_downloads.html", oob=True)

    def history(self, page: Page) -> str:
        """A model page's recent activity."""
        with self._as_requested_by(page):
            return render_template("activity/_history.html", oob=True, model_id=page.model_id,
                                   history=recent_for_model(page.model_id))

    def activity_changed(self, page: Page) -> str:
        """Tells an Activity page to fetch its filtered list again."""
        return self._render(page, "activity/_changed.html")

    def progress(self, model_id: str, progress: DownloadProgress | None, stalled: bool) -> str:
        """The same for every page, rendered without a request: it is the one part rendered
        for every frame, and a request context would cost more than the fragment."""
        return str(self._model_parts.progress_box(model_id, progress, stalled, None, True))

    #: Sent to a page that got nothing for a while: it changes nothing on the page, but tells
    #: live.js that the socket still works.
    heartbeat = "<!-- still connected -->"

    def live_refused(self, reason: str) -> str:
        """The live status of a page whose socket was refused, saying why."""
        return self._render(Page("/"), "live/_live_status.html", oob=True, refused=reason)

    @cached_property
    def _model_parts(self):
        """The macros of ``_model_parts.html``, callable from Python."""
        return self.app.jinja_env.get_template("catalog/_model_parts.html").module

    def _render(self, page: Page, template: str, **context) -> str:
        with self._as_requested_by(page):
            return render_template(template, **context)

    @contextmanager
    def _as_requested_by(self, page: Page) -> Iterator[None]:
        """The contexts of a request of the page, by a user of its role. An app context of its
        own: a request thread publishing a change must not find its own ``g`` (its user, its
        database connection) changed for the page's."""
        with self.app.app_context(), self.app.test_request_context(page.url,
                                                                   base_url=page.base_url):
            g.user = User(id=0, name="", role=page.role, created_at="")
            yield
