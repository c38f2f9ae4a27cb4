"""The models and the Pieces OS instance of one host, as its loop takes in what Pieces OS says:
lists, single models, the version, local runtime and machine, the pushed streams, and loads and
actions under way (in the loop only)."""

import logging
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from ..pieces.client import ModelGone, UpstreamError
from ..pieces.device import Device
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from ..pieces.streams import changed_models, runtime_status
from .state import Move, Outcome, PendingLoad

if TYPE_CHECKING:
    from .host import LiveHost

log = logging.getLogger(__name__)

# A load past its timeout is checked this often, and given up on after the second figure.
LOAD_CHECK_SECONDS = 3.0
LOAD_GIVE_UP_SECONDS = 1800.0
# How often the version and local runtime of Pieces OS are asked for while all is well.
INSTANCE_CHECK_SECONDS = 30.0
# How often its machine (RAM, GPUs) is asked for once known: it rarely changes.
DEVICE_CHECK_SECONDS = 600.0


class Models:
    def __init__(self, host: "LiveHost"):
        self.host = host
        self.state = host.state
        self.instance_checked_at: float | None = None
        self.device_checked_at: float | None = None
        self.listed_seq = -1  # the loop's seq when the list taken in last was asked for
        self._earlier_run_settled = False

    # -- lists and single models ---------------------------------------------------------------

    def list_heard(self, models: list[Model], asked_seq: int) -> None:
        """A fresh ``GET /models``, asked for at ``asked_seq``: a model answered about since
        keeps that answer (the list shows it as it was)."""
        state, publish = self.state, self.host.publish
        current = {model.id: model for model in models}
        for model_id, seq in state.model_seq.items():
            if seq > asked_seq and model_id in current and model_id in state.models:
                current[model_id] = state.models[model_id]
        came_or_went = set(current) ^ set(state.models)
        changed = [
            model
            for model in current.values()
            if model.id in state.models and state.models[model.id].raw != model.raw
        ]
        state.models = current
        state.listed_at = datetime.now(UTC)
        self.listed_seq = max(self.listed_seq, asked_seq)
        self.upstream_error(None)
        for model_id in came_or_went - set(current):
            self.host.downloads.finish(model_id)
        if came_or_went:
            publish.model_list(came_or_went)
        for model in changed:
            publish.row(model.id)
        if changed or came_or_went:
            publish.summary()
        for model in current.values():
            self.host.downloads.follow(model, asked_seq)
        if not self._earlier_run_settled:
            self._earlier_run_settled = True
            self.host.journal.settle_earlier_run(
                self.state.models, {*self.state.downloads, *self.state.loads}
            )

    def heard(self, model: Model, asked_seq: int | None = None) -> None:
        """Pieces OS just answered with ``model`` (after an action, or asked directly at
        ``asked_seq``): every page sees it, unless a later answer is already shown."""
        state = self.state
        if asked_seq is not None and state.model_seq.get(model.id, 0) > asked_seq:
            return
        before = state.models.get(model.id)
        state.models[model.id] = model
        state.model_seq[model.id] = self.host.loop.seq
        self.host.downloads.model_heard(model)
        if model.loaded:
            self.settle_load(model.id, "ok", "Pieces OS loaded the model.")
        if before is None and state.listed_at is not None:
            self.host.publish.model_list({model.id})
        if before is None or before.raw != model.raw:
            self.host.publish.row(model.id)
            self.host.publish.summary()
        if model.downloading:
            self.host.downloads.follow(model)

    def gone(self, model_id: str) -> None:
        """Pieces OS no longer has the model (deleted here or elsewhere)."""
        if self.state.models.pop(model_id, None) is None:
            return
        self.host.downloads.finish(model_id)
        self.state.outcomes.pop(model_id, None)
        self.host.publish.model_list({model_id})
        self.host.publish.summary()

    def upstream_error(self, error: UpstreamError | None) -> None:
        """Whether Pieces OS answered the last list: every page says so when that is news."""
        if str(error) != str(self.state.error):
            self.state.error = error
            self.host.publish.reachability()

    # -- loads and outcomes --------------------------------------------------------------------

    def action_started(self, model_id: str, action: str, by: str) -> None:
        """Somebody acts on the model: the outcome of the last action no longer stands; a load
        is shown pending on every page until Pieces OS answers."""
        self.state.outcomes.pop(model_id, None)
        if action == "load":
            self.state.loads[model_id] = PendingLoad(model_id, by, self.host.now())
        self.host.publish.row(model_id)

    def action_went_wrong(self, model: Model, outcome: Outcome) -> None:
        """The action was refused or failed: everybody's row says so (the acting person's
        first), until the next action on it or a dismiss. A download or load that Pieces OS
        failed is told to whoever asked for it, on every page they have open."""
        self.state.outcomes[model.id] = outcome
        self.state.loads.pop(model.id, None)
        self.host.publish.row(model.id)
        if outcome.kind == "failed":
            self.host.notices.action_failed(model, outcome)

    def load_ended(self, model_id: str) -> None:
        """A load's request ended without the model loaded."""
        load = self.state.loads.pop(model_id, None)
        if load is not None:
            self.host.publish.row(model_id)
            failure = "Pieces OS answered without loading it."
            self.host.notices.load_ended(load.by, model_id, failure)

    def load_pending(self, model: Model, entry_id: int) -> None:
        """Pieces OS has not answered a load in time: checked on until it settles."""
        load = self.state.loads.get(model.id)
        if load is not None:
            self.state.loads[model.id] = PendingLoad(
                load.model_id, load.by, load.since, entry_id, self.host.now()
            )
        self.heard(model)

    def settle_load(self, model_id: str, outcome: str, detail: str) -> None:
        """A load under way ended: its log entry (if it has one yet) says how, and so does a
        notice to whoever asked for it."""
        load = self.state.loads.pop(model_id, None)
        if load is None:
            return
        if load.entry_id is not None:
            self.host.journal.settle(load.entry_id, outcome, detail)
        self.host.notices.load_ended(load.by, model_id, None if outcome == "ok" else detail)

    def dismiss(self, model_id: str) -> None:
        self.state.outcomes.pop(model_id, None)
        self.state.endings.pop(model_id, None)
        self.host.publish.row(model_id)

    def check_pending_loads(self) -> None:
        now = self.host.now()
        for load in list(self.state.loads.values()):
            if load.entry_id is None or now - load.checked < LOAD_CHECK_SECONDS:
                continue
            self.state.loads[load.model_id] = PendingLoad(
                load.model_id, load.by, load.since, load.entry_id, now
            )
            self.host.spawn(
                partial(self.host.client.get_model, load.model_id),
                partial(self._load_checked, load),
            )

    def _load_checked(self, load: PendingLoad, answer: Model | UpstreamError) -> None:
        if isinstance(answer, UpstreamError):
            log.info("cannot check the pending load of %s: %s", load.model_id, answer)
        elif answer.loaded:
            self.heard(answer)
        elif self.host.now() - load.since > LOAD_GIVE_UP_SECONDS:
            self.settle_load(
                load.model_id,
                "failed",
                f"Pieces OS had not loaded the model after "
                f"{LOAD_GIVE_UP_SECONDS / 60:.0f} minutes.",
            )
            self.heard(answer)

    # -- Pieces OS itself ----------------------------------------------------------------------

    def instance_due(self) -> bool:
        """Should the version and local runtime be asked for now?"""
        state, checked = self.state, self.instance_checked_at
        ready = state.runtime is not None and not state.runtime.blocks_local_models
        fresh = checked is not None and self.host.now() - checked < INSTANCE_CHECK_SECONDS
        return not (fresh and state.version is not None and ready)

    def device_due(self) -> bool:
        interval = DEVICE_CHECK_SECONDS if self.state.device else INSTANCE_CHECK_SECONDS
        checked = self.device_checked_at
        return checked is None or self.host.now() - checked >= interval

    def instance_heard(self, version: str | None, runtime: LocalRuntime) -> None:
        """Pieces OS told its version and local runtime: the pages show what changed; every
        local row, when the runtime changed (what it allows, what it says)."""
        state = self.state
        self.instance_checked_at = self.host.now()
        self.host.runtime_jobs.runtime_heard(runtime)
        runtime_changed = runtime != state.runtime
        if (version, runtime) == (state.version, state.runtime):
            return
        state.version, state.runtime = version, runtime
        self.host.publish.instance()
        if runtime_changed:
            self.host.publish.local_rows()

    def device_heard(self, device: Device | None) -> None:
        self.device_checked_at = self.host.now()
        if device != self.state.device:
            self.state.device = device
            self.host.publish.machine()
            self.host.publish.fit(force=True)

    def moved(self, old_url: str, new_url: str) -> None:
        """The client found Pieces OS at a new address (it restarted on another port)."""
        log.warning("Pieces OS moved from %s to %s", old_url, new_url)
        state = self.state
        state.url = new_url
        state.move = (Move(old_url, new_url, datetime.now(UTC)), self.host.now())
        state.version = state.runtime = None
        self.instance_checked_at = self.device_checked_at = None
        self.host.downloads.interrupt_all("Pieces OS restarted")
        self.host.runtime_jobs.lost("Pieces OS restarted")
        self.host.journal.record(
            "pieces-os-moved", "ok", f"Pieces OS moved from {old_url} to {new_url}."
        )
        self.host.publish.instance()
        self.host.publish.move_notice()

    def tick(self) -> None:
        """A move to a new address is an event: its notice goes after a while (the activity
        log keeps it)."""
        if self.state.move_notice_over(self.host.now()):
            self.state.move = None
            self.host.publish.move_notice()

    # -- pushed streams ------------------------------------------------------------------------

    def identifiers(self, text: str, connected_at: int | None = None) -> None:
        """Models changed: ask for those alone; a deleted one leaves the list. The stream's first
        message since it connected (at the loop's seq ``connected_at``) is a snapshot naming
        every model, as the official SDK reads its identifier streams: see ``_snapshot``."""
        changes = changed_models(text)
        if connected_at is not None:
            self._snapshot(changes, connected_at)
            return
        for model_id, deleted in changes:
            if deleted:
                self.gone(model_id)
                continue
            self._read_changed(model_id, self.host.loop.seq)

    def _snapshot(self, changes: list[tuple[str, bool]], connected_at: int) -> None:
        """Every model's id, sent as the stream connected: nothing to ask one by one. A list
        asked for since the stream connected says how each model is; one asked for before may
        miss a change made meanwhile, so the list is asked for once more (never the models one
        by one). Only an id the panel does not know, and that the list did not bring, is."""
        if self.listed_seq < connected_at:
            self.host.watch.list_since(connected_at)
            return
        for model_id, deleted in changes:
            if deleted:
                self.gone(model_id)
            elif model_id not in self.state.models:
                self._read_changed(model_id, self.host.loop.seq)

    def _read_changed(self, model_id: str, asked_seq: int) -> None:
        self.host.spawn(
            lambda: self.host.client.get_model(model_id),
            lambda answer: self._changed_model_read(model_id, answer, asked_seq),
        )

    def _changed_model_read(
        self, model_id: str, answer: Model | UpstreamError, asked_seq: int
    ) -> None:
        if isinstance(answer, ModelGone):
            self.gone(model_id)
        elif isinstance(answer, UpstreamError):
            log.info("cannot read %s, which Pieces OS said changed: %s", model_id, answer)
        else:
            self.heard(answer, asked_seq)

    def runtime_status(self, text: str) -> None:
        """Ollama's state changed (an install or update moved on)."""
        runtime = runtime_status(text)
        if runtime is not None:
            self.runtime_heard(runtime)

    def runtime_heard(self, runtime: LocalRuntime) -> None:
        self.instance_heard(self.state.version, runtime)
