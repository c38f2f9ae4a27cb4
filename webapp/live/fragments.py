"""The page elements the live socket replaces, rendered for one kind of page (``Page``): with
the values of the live state they show (``LiveSnapshot``, ``ModelRow``), in a request context of
the page's URL and address (for its links), for whoever has the page's role (``g.audience``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from flask import Flask, g, render_template

from ..accounts.endings import Ending
from ..activity.log import recent_for_model
from ..pieces.listing import list_query_of, providers, summarize
from .fanout import Mailbox
from .gone import HostGone
from .pages import Page

if TYPE_CHECKING:
    from .host import LiveHost
    from .notices import WorkNotice
from .views import LiveSnapshot, ModelRow

GONE = "This model is no longer in Pieces OS."


class Fragments:
    """One method per kind of element; each returns HTML that htmx swaps in by id."""

    def __init__(self, app: Flask, host: "LiveHost"):
        self.app = app
        self.host = host

    def model(self, page: Page, row: ModelRow, live: LiveSnapshot) -> str:
        """The model's row or card; a model gone from Pieces OS leaves a card saying so (its row
        goes with the list, see ``model_list``)."""
        template = "catalog/_card.html" if page.view == "card" else "catalog/_row.html"
        return self._render(
            page, live, template, r=row, error=None if row.model else GONE, oob=True
        )

    def model_list(self, page: Page, live: LiveSnapshot) -> str:
        """The list page's whole table (models came or went), with its search and filters."""
        query = list_query_of(page.url)
        models = list(live.models)
        return self._render(
            page,
            live,
            "catalog/_list.html",
            query=query,
            models=query.apply(models),
            total=len(models),
            error=live.error,
            listed_at=live.listed_at if live.error else None,
            summary=summarize(models),
            providers=providers(models),
            oob=True,
        )

    def summary(self, page: Page, live: LiveSnapshot) -> str:
        return self._render(
            page, live, "catalog/_summary.html", summary=summarize(list(live.models)), oob=True
        )

    def banner(self, page: Page, live: LiveSnapshot) -> str:
        return self._render(
            page, live, "_banner.html", oob=True, error=live.error, listed_at=live.listed_at
        )

    def notices(self, page: Page, live: LiveSnapshot) -> str:
        """What every page says of Pieces OS itself: version, local runtime, a move."""
        return self._render(page, live, "_notices.html", oob=True)

    def move_notice(self, page: Page, live: LiveSnapshot) -> str:
        """That Pieces OS restarted at a new address, for a while after it did."""
        return self._render(page, live, "_move_notice.html", oob=True)

    def machine(self, page: Page, live: LiveSnapshot) -> str:
        """The list's machine card: RAM, GPUs, memory in use, the local runtime."""
        return self._render(page, live, "catalog/_machine.html", oob=True)

    def footer(self, page: Page, live: LiveSnapshot) -> str:
        return self._render(page, live, "_footer.html", oob=True)

    def downloads(self, page: Page, live: LiveSnapshot) -> str:
        """The header's strip of the downloads running now."""
        return self._render(page, live, "live/_downloads.html", oob=True)

    def online(self, page: Page, live: LiveSnapshot) -> str:
        """Who has a page open now, in admins' headers."""
        return self._render(page, live, "live/_online.html", oob=True)

    def standing(self, page: Page, standing: str, live: LiveSnapshot) -> str:
        """The person's role and hosts, in their page's header."""
        return self._render(page, live, "live/_standing.html", standing=standing, oob=True)

    def host_renamed(self, page: Page, standing: str, live: LiveSnapshot) -> str:
        """The host's name where a page rendered before it was renamed shows it, and the page's
        person's standing."""
        return self._render(
            page, live, "live/_host_renamed.html", host_name=self.host.name, standing=standing
        )

    def session_ended(self, mailbox: Mailbox, ending: Ending, live: LiveSnapshot) -> str:
        """Why the page's session ended, and the way back to the page after logging in again;
        its header no longer names who it was for."""
        return self._render(
            mailbox.page, live, "live/_session_ended.html", ending=ending, page_url=mailbox.page_url
        )

    def host_gone(self, mailbox: Mailbox, gone: HostGone, live: LiveSnapshot) -> str:
        """The page's host was removed, or renamed: what happened, and where the page is now."""
        return self._render(
            mailbox.page,
            live,
            "live/_host_gone.html",
            gone=gone,
            new_url=gone.new_url(mailbox.page_url),
        )

    def history(self, page: Page, live: LiveSnapshot) -> str:
        """A model page's recent activity."""
        assert page.model_id is not None, "only a model's page shows its history"
        with self._as_seen_on(page, live):
            return render_template(
                "activity/_history.html",
                oob=True,
                model_id=page.model_id,
                history=recent_for_model(page.model_id, self.host.name),
                history_host=self.host.name,
            )

    def work_notice(
        self, page: Page, notice: "WorkNotice", live: LiveSnapshot, shown: bool = False
    ) -> str:
        """A notice that work its person started ended, added to the page's notices (or, when
        already ``shown``, its buttons again, in place of those the page shows)."""
        return self._render(
            page, live, "live/_work_notice.html", notice=notice, here=self.host.name, shown=shown
        )

    def activity_changed(self, page: Page, live: LiveSnapshot) -> str:
        """Tells an Activity page to fetch its filtered list again."""
        return self._render(page, live, "activity/_changed.html")

    def log_changed(self, page: Page, live: LiveSnapshot) -> str:
        """Tells a fleet page's box of how a bulk action went to fetch itself again."""
        return self._render(page, live, "fleet/_log_changed.html")

    def fleet_head(self, page: Page, live: LiveSnapshot) -> str:
        """The head of this host's column on the fleet page (webapp/fleet)."""
        return self._render(page, live, "fleet/_head.html", host=self.host.name)

    def fleet_cell(self, page: Page, row: ModelRow, live: LiveSnapshot) -> str:
        """A model's cell in this host's column of the fleet page."""
        return self._render(page, live, "fleet/_cell.html", host=self.host.name, row=row)

    def fleet_row_changed(self, page: Page, model_id: str) -> str:
        """Tells a fleet page that what a model allows on this host changed: it fetches the
        model's row head (with its bulk forms) again."""
        with self._as_seen_on(page, self.host.current_snapshot()):
            return render_template("fleet/_row_changed.html", model_id=model_id)

    def fleet_changed(self, page: Page, live: LiveSnapshot) -> str:
        """Tells a fleet page that this host's models came or went: it fetches its matrix
        again."""
        return self._render(page, live, "fleet/_changed.html", host=self.host.name)

    def progress(self, row: ModelRow) -> str:
        """The same for every page, rendered without a request: it is the one part rendered
        for every frame, and a request context would cost more than the fragment."""
        return str(
            self._model_parts.progress_box(
                row.model_id, row.progress, row.stalled, None, row.cancel_ignored, True
            )
        )

    #: Sent to a page that got nothing for a while: it changes nothing on the page, but tells
    #: live.js that the socket still works.
    heartbeat = "<!-- still connected -->"

    def live_refused(self, reason: str) -> str:
        """Why a page's socket was refused, shown in its live status."""
        with self.app.app_context():
            return render_template("live/_live_refused.html", refused=reason)

    @cached_property
    def _model_parts(self) -> Any:  # a jinja2 TemplateModule: its macros are set at run time
        """The macros of ``_model_parts.html``, callable from Python."""
        return self.app.jinja_env.get_template("catalog/_model_parts.html").module

    def _render(self, page: Page, live: LiveSnapshot, template: str, **context: Any) -> str:
        with self._as_seen_on(page, live):
            return render_template(template, **context)

    @contextmanager
    def _as_seen_on(self, page: Page, live: LiveSnapshot) -> Iterator[None]:
        """A request of the page (its URL and address build its links) of this host, seen by
        whoever has its role. An app context of its own: a request thread waiting for the loop
        must not find its own ``g`` changed."""
        with (
            self.app.app_context(),
            self.app.test_request_context(page.url, base_url=page.base_url),
        ):
            g.audience = page
            g.live_host = self.host
            g.live_snapshot = live
            yield
