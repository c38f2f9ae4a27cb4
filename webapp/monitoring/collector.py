"""The figures read at each scrape: each Pieces OS host as the panel knows it, the panel's open
pages, and how the actions it carried out ended (from the activity log).

Nothing here asks Pieces OS anything: a scrape reads the live state the panel already keeps.
"""

from collections import Counter
from collections.abc import Iterator

from flask import Flask
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ..db import connect
from ..live.host import LiveHost
from ..live.loop import LoopStopped
from ..pieces.model import Model

#: The actions whose outcomes are counted: those that act on a model in Pieces OS.
MODEL_ACTIONS = ("download", "cancel", "load", "unload", "delete-files")


def model_state(model: Model) -> str:
    """The model's state as the pages say it (``Model.state``), as a label value."""
    return model.state.replace(" ", "_")


class PanelCollector(Collector):
    def __init__(self, app: Flask):
        self.app = app

    def hosts(self) -> dict[str, LiveHost]:
        return dict(self.app.extensions["fleet"].hosts)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "pieces_os_up", "1 if the host's Pieces OS answered its last request.", labels=["host"]
        )
        info = InfoMetricFamily("pieces_os", "The host's Pieces OS version.", labels=["host"])
        models = GaugeMetricFamily(
            "pieces_os_models", "The host's models, by state.", labels=["host", "state"]
        )
        running = GaugeMetricFamily(
            "pieces_os_downloads_running", "Downloads under way on the host.", labels=["host"]
        )
        rate = GaugeMetricFamily(
            "pieces_os_download_bytes_per_second",
            "How fast each running download goes, as last measured.",
            labels=["host", "model"],
        )
        pages = GaugeMetricFamily(
            "panel_open_pages",
            "Pages open in a browser with their live socket, by kind of page.",
            labels=["host", "page"],
        )
        for name, host in self.hosts().items():
            snapshot = host.snapshot
            up.add_metric([name], 0 if snapshot.error else 1)
            info.add_metric([name], {"version": snapshot.instance.version or "unknown"})
            for state, count in sorted(Counter(map(model_state, snapshot.models)).items()):
                models.add_metric([name, state], count)
            running.add_metric([name], len(snapshot.downloads))
            for row in snapshot.rows.values():
                if row.progress is not None and row.progress.bytes_per_second is not None:
                    rate.add_metric([name, row.model_id], row.progress.bytes_per_second)
            for kind, count in sorted(open_pages(host).items()):
                pages.add_metric([name, kind], count)
        yield from (up, info, models, running, rate, pages, self.outcomes())

    def outcomes(self) -> CounterMetricFamily:
        outcomes = CounterMetricFamily(
            "panel_actions",
            "Actions on models the panel carried out, by host, action and outcome.",
            labels=["host", "action", "outcome"],
        )
        connection = connect(self.app.config["DATABASE"])
        try:
            rows = connection.execute(
                "SELECT coalesce(host, '') AS host, action, outcome, count(*) AS n FROM activity"
                f" WHERE action IN ({', '.join('?' * len(MODEL_ACTIONS))})"
                " GROUP BY 1, action, outcome ORDER BY 1, action, outcome",
                MODEL_ACTIONS,
            ).fetchall()
        finally:
            connection.close()
        for row in rows:
            outcomes.add_metric([row["host"], row["action"], row["outcome"]], row["n"])
        return outcomes


def open_pages(host: LiveHost) -> Counter[str]:
    """The host's open pages by kind, as its loop sees them (none when the loop has stopped)."""
    try:
        return host.loop.ask(lambda: Counter(box.page.kind for box in host.fanout.mailboxes()))
    except LoopStopped:
        return Counter()
