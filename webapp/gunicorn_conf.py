"""gunicorn settings for the panel, used by `make run` and `pieces-admin serve`.

Equivalent command line: ``gunicorn -c python:webapp.gunicorn_conf 'webapp:create_app()'``.
"""
from webapp.config import settings_from_env

_settings = settings_from_env()

bind = f"{_settings['HOST']}:{_settings['PORT']}"
# One process: the panel's live state (relay hub, team updates) lives in memory and must be
# shared by every browser. Threads serve the concurrent requests and sockets.
workers = 1
worker_class = "gthread"
threads = 64
# gunicorn 27 opens a control socket at a fixed path by default; two servers on one machine
# (the panel and the simulator) would collide on it.
control_socket_disable = True
graceful_timeout = 5
accesslog = "-"
