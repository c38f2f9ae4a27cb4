"""Run a Flask app factory under gunicorn from inside Python (for the CLI)."""

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


class GunicornServer(BaseApplication):
    """Serves ``factory()``; the app is built in the worker, after the fork."""

    def __init__(self, factory: Callable, options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> "WSGIApplication":
        return self.factory()


def options_from_module(module: ModuleType) -> dict:
    """The gunicorn settings a config module defines, as a dict."""
    return {key: value for key, value in vars(module).items() if not key.startswith("_")}
