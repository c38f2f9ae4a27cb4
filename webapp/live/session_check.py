"""Live sockets end with their login session: logged out, the account's password or role
changed, the account removed (here or by ``pieces-admin users`` in another process), or idle for
too long. A page whose session ended is closed (1008), and so never receives fragments rendered
for a role its user no longer has; with a new role, the page reconnects as that role."""
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing

from ..accounts.sessions import valid_sessions
from ..db import connect
from .page_socket import POLICY_VIOLATION
from .viewers import Viewer

log = logging.getLogger(__name__)

SESSION_ENDED_REASON = "session ended"


class SessionCheck:
    """``check()`` closes every open page whose session is no longer valid for its role; it is
    called every second by the hub's refresher and at once when the panel ends sessions."""

    def __init__(self, config, viewers: Callable[[], list[Viewer]]):
        self._config = config
        self._viewers = viewers

    def check(self) -> None:
        viewers = self._viewers()
        if not viewers:
            return
        try:
            with closing(connect(self._config["DATABASE"])) as db:
                roles = valid_sessions(db, {viewer.session_hash for viewer in viewers},
                                       self._config)
        except sqlite3.Error as error:  # checked again in a second
            log.warning("could not check the sessions of live pages: %s", error)
            return
        for viewer in viewers:
            if roles.get(viewer.session_hash) != viewer.page.role:
                viewer.close(POLICY_VIOLATION, SESSION_ENDED_REASON)
