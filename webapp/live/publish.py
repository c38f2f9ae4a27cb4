"""Which page elements a change of the live state touches (in the loop only): each method names
one element, renders it for every kind of open page that shows it (fragments.py), and hands it
to the fan-out at the loop's current sequence number."""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from .fanout import Fanout, Render
from .fragments import Fragments
from .pages import Page
from .panel import panel_view
from .views import LiveSnapshot, model_row

if TYPE_CHECKING:
    from .host import LiveHost


def _of_kind(kind: str) -> Callable[[Page], bool]:
    return lambda page: page.kind == kind


def _in_host_frame(page: Page) -> bool:
    return page.shows_host_frame


def _on_fleet_frame(page: Page) -> bool:
    """The fleet page's socket that shows its header (it has one per host)."""
    return page.kind == "fleet" and page.shows_host_frame


def _for_admins(page: Page) -> bool:
    return page.can("manage_users") and page.shows_host_frame


def _is_page_of(model_id: str, page: Page) -> bool:
    return page.kind == "detail" and page.shows(model_id)


class Publisher:
    def __init__(self, host: "LiveHost", fragments: Fragments, fanout: Fanout):
        self.host = host
        self.fragments = fragments
        self.fanout = fanout
        self._loaded_ram: int | None = None  # as the Load buttons' fit warnings last said
        #: Each model's state here (None: gone) as fleet pages last heard (``fleet_row_head``).
        self._fleet_states: dict[str, str | None] = {}
        self._header = panel_view({})  # the panel's share of the header, as last published

    def _publish(
        self, key: str, render: Render, shows: Callable[[Page], bool], **options: Any
    ) -> None:
        self.host.changed()
        if self.fanout.watched:
            self.fanout.publish(key, self.host.loop.seq, render, shows=shows, **options)
        else:  # a page rendered before this change, whose socket opens next, is sent it
            self.fanout.element_seq[key] = self.host.loop.seq

    def row(self, model_id: str) -> None:
        """A model's row (list pages) or card (its own page)."""
        self.host.events.model(model_id)

        def render(page: Page) -> str:
            return self.fragments.model(
                page, model_row(self.host.state, model_id), self.host.current_snapshot()
            )

        self._publish(
            f"model-{model_id}",
            render,
            lambda page: page.shows(model_id),
            replaces=(f"progress-{model_id}",),
        )
        self.fleet_cell(model_id)

    def progress(self, model_id: str) -> None:
        self.host.events.progress(model_id)
        if model_id in self.host.state.downloads:
            self._publish(
                f"progress-{model_id}",
                lambda _page: self.fragments.progress(model_row(self.host.state, model_id)),
                lambda page: page.shows(model_id),
                same_for_all=True,
            )
            self.fleet_cell(model_id)

    def fleet_cell(self, model_id: str) -> None:
        """The model's cell in this host's column of the fleet page: the same for every page
        (it links to the model's page on this host, and offers no action)."""
        self._publish(
            f"cell-{model_id}",
            lambda page: self._fleet_cell(model_id, page),
            _of_kind("fleet"),
            same_for_all=True,
        )
        self.fleet_row_head(model_id)

    def fleet_row_head(self, model_id: str) -> None:
        """Tell fleet pages to fetch the model's row head again when its state on this host
        changed (which says what the bulk forms offer there): those forms span every host and
        the hosts of the page's person, so the page's own request renders them. Not at each
        step of a download, which changes nothing there."""
        model = self.host.state.models.get(model_id)
        state = None if model is None else model.state
        if model_id in self._fleet_states and self._fleet_states[model_id] == state:
            return
        self._fleet_states[model_id] = state
        self._publish(
            f"row-head-{model_id}",
            partial(self.fragments.fleet_row_changed, model_id=model_id),
            _of_kind("fleet"),
            same_for_all=True,
        )

    def _fleet_cell(self, model_id: str, page: Page) -> str:
        return self.fragments.fleet_cell(
            page, model_row(self.host.state, model_id), self.host.current_snapshot()
        )

    def model_list(self, came_or_went: set[str]) -> None:
        """Models came or went: list pages get their whole table again, fleet pages fetch
        their matrix again, the pages of those models get their card."""
        self.host.events.models(came_or_went)
        self._publish(
            "model-list",
            lambda page: self.fragments.model_list(page, self.host.current_snapshot()),
            _of_kind("list"),
            replaces=("model-", "progress-", "summary", "banner"),
        )
        self.fleet_changed()
        for model_id in came_or_went:
            self._publish(
                f"model-{model_id}",
                partial(self._model_card, model_id),
                partial(_is_page_of, model_id),
            )

    def fleet_changed(self) -> None:
        """Rows or columns came or went: fleet pages fetch their matrix again."""
        self._publish(
            "fleet-changed",
            lambda page: self.fragments.fleet_changed(page, self.host.current_snapshot()),
            _of_kind("fleet"),
            replaces=("cell-", "fleet-head", "row-head-"),
        )

    def _model_card(self, model_id: str, page: Page) -> str:
        return self.fragments.model(
            page, model_row(self.host.state, model_id), self.host.current_snapshot()
        )

    def _page_wide(
        self,
        key: str,
        render: Callable[[Page, LiveSnapshot], str],
        shows: Callable[[Page], bool] = _in_host_frame,
    ) -> None:
        """An element of the page's frame (every page of the host shows it, unless ``shows``
        says which)."""
        self._publish(key, lambda page: render(page, self.host.current_snapshot()), shows)

    def banner(self) -> None:
        self._page_wide("banner", self.fragments.banner)

    def downloads(self) -> None:
        """The downloads running here changed: the head of this host's fleet column says so
        (every page's header follows through ``header``, when the panel says)."""
        self.fleet_head()

    def header(self) -> None:
        """What every page's header shows of the whole panel (panel.py) may have changed: the
        downloads running on every host, and who has a page open (admins' headers)."""
        shown, self._header = self._header, panel_view(self.host.panel.snapshots())
        if self._header.strip != shown.strip:
            self._page_wide("downloads", self.fragments.downloads)
        if self._header.online != shown.online:
            self._page_wide("online", self.fragments.online, _for_admins)

    def instance(self) -> None:
        """What the pages say of Pieces OS itself: notices, footer, machine card."""
        self._page_wide("notices", self.fragments.notices)
        self._page_wide("footer", self.fragments.footer)
        self.machine()

    def machine(self) -> None:
        self._page_wide("machine", self.fragments.machine, _of_kind("list"))
        self.fleet_head()

    def fleet_head(self) -> None:
        """The head of this host's column on the fleet page: its version, whether it answers,
        the memory left, the downloads running."""
        self._page_wide("fleet-head", self.fragments.fleet_head, _of_kind("fleet"))

    def move_notice(self) -> None:
        """Pieces OS moved to a new address, or the notice of it has been shown long enough."""
        self._page_wide("move-notice", self.fragments.move_notice)

    def reachability(self) -> None:
        """Pieces OS stopped (or started again) answering: what every page shows of it is
        marked as last known (or no longer), and the actions that cannot work are disabled
        (or enabled again), at once."""
        self.banner()
        self.downloads()
        self.instance()
        self.model_list(set(self.host.state.models))

    def summary(self) -> None:
        """The list's counts, the machine's memory in use and the fit warnings."""
        self._page_wide("summary", self.fragments.summary, _of_kind("list"))
        self.machine()
        self.fit()

    def fit(self, force: bool = False) -> None:
        """The rows whose Load button may now warn (or stop warning) that the model does not
        fit: those of loadable models, when the memory in use changed."""
        models = self.host.state.models.values()
        loaded_ram = sum(model.ram_bytes or 0 for model in models if model.loaded)
        if loaded_ram == self._loaded_ram and not force:
            return
        self._loaded_ram = loaded_ram
        for model in list(models):
            if model.can_load:
                self.row(model.id)

    def local_rows(self) -> None:
        """The local runtime changed: every local model's row says what it now allows."""
        for model in list(self.host.state.models.values()):
            if model.is_local:
                self.row(model.id)

    def activity(self) -> None:
        """The activity log changed: Activity pages fetch their list again, model pages get
        their model's recent entries, a fleet page's box of how a bulk action went fetches
        itself again."""
        self.host.events.activity()
        self._page_wide("activity-changed", self.fragments.activity_changed, _of_kind("activity"))
        self._page_wide("history", self.fragments.history, _of_kind("detail"))
        self._page_wide("bulk-result-follow", self.fragments.log_changed, _on_fleet_frame)

    def page_state(self, page: Page) -> list[tuple[str, str]]:
        """Every element a kind of page shows, for the first page of that kind."""
        live = self.host.current_snapshot()
        fragments = self.fragments
        state = []
        if page.shows_host_frame:
            state += [
                ("banner", fragments.banner(page, live)),
                ("notices", fragments.notices(page, live)),
                ("move-notice", fragments.move_notice(page, live)),
                ("footer", fragments.footer(page, live)),
                ("downloads", fragments.downloads(page, live)),
            ]
        shown = [model_id for model_id in self.host.state.models if page.shows(model_id)]
        state += [
            (f"model-{model_id}", fragments.model(page, model_row(self.host.state, model_id), live))
            for model_id in shown
        ]
        state += [
            (f"progress-{model_id}", fragments.progress(model_row(self.host.state, model_id)))
            for model_id in shown
            if model_id in self.host.state.downloads
        ]
        if page.kind == "list":
            state += [
                # (Its line "Showing 3 of 69 models, as of ..." is in no other element.)
                ("model-list", fragments.model_list(page, live)),
                ("summary", fragments.summary(page, live)),
                ("machine", fragments.machine(page, live)),
            ]
        if page.kind == "detail":
            state.append(("history", fragments.history(page, live)))
        # Word that the log changed, for a page rendered before it whose socket opens next.
        if page.kind == "activity":
            state.append(("activity-changed", fragments.activity_changed(page, live)))
        if _on_fleet_frame(page):
            state.append(("bulk-result-follow", fragments.log_changed(page, live)))
        if page.kind == "fleet":
            state += [
                ("fleet-head", fragments.fleet_head(page, live)),
                ("fleet-changed", fragments.fleet_changed(page, live)),
            ]
            state += [
                (f"cell-{model_id}", self._fleet_cell(model_id, page))
                for model_id in self.host.state.models
            ]
            state += [
                (f"row-head-{model_id}", fragments.fleet_row_changed(page, model_id))
                for model_id in self.host.state.models
            ]
        if _for_admins(page):
            state.append(("online", fragments.online(page, live)))
        return state
