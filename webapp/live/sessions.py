"""Open pages whose login session ended, or whose user's role changed: their sockets are closed
(1008), checked by the host's loop every second while pages are open, and at once when the panel
ends a session."""

import logging
from collections.abc import Mapping
from contextlib import closing
from typing import Any

from .. import db
from ..accounts.sessions import valid_sessions
from .fanout import POLICY_VIOLATION, SESSION_ENDED_REASON, Fanout

log = logging.getLogger(__name__)


def close_ended_sessions(fanout: Fanout, config: Mapping[str, Any]) -> None:
    """(In the loop.) Close the pages of sessions that no longer hold."""
    mailboxes = fanout.mailboxes()
    if not mailboxes:
        return
    try:
        with closing(db.connect(config["DATABASE"])) as connection:
            roles = valid_sessions(connection, {box.session_hash for box in mailboxes}, config)
    except Exception as error:  # checked again in a second
        log.warning("could not check the sessions of live pages: %s", error)
        return
    fanout.close_ended_sessions(roles, POLICY_VIOLATION, SESSION_ENDED_REASON)
