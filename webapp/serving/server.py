"""Run a Flask app factory under gunicorn from inside Python (for the CLI)."""
from collections.abc import Callable
from types import ModuleType

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    """Serves ``factory()``; the app is built in the worker, after the fork."""

    def __init__(self, factory: Callable, options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return self.factory()


def options_from_module(module: ModuleType) -> dict:
    """The gunicorn settings a config module defines, as a dict."""
    return {key: value for key, value in vars(module).items() if not key.startswith("_")}
