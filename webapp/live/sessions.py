"""Open pages whose login session ended, or whose user's role on their host changed: each is
sent why, in plain words (``farewell``: the page then shows it, drops who it was for from its
header and disables what can no longer work), and its socket is closed (1008). Checked by the
host's loop every second while pages are open, and at once when the panel ends a session.

A person whose role reads differently without changing (a host they are limited to was renamed
or removed) keeps their pages: their headers are sent how it reads now (``say_standings``)."""

import logging
from collections.abc import Callable, Mapping
from contextlib import closing
from typing import Any

from .. import db
from ..accounts.endings import Ending, why_ended
from ..accounts.sessions import session_limits, valid_sessions
from .fanout import POLICY_VIOLATION, SESSION_ENDED_REASON, Fanout, Mailbox

log = logging.getLogger(__name__)

#: Renders what a page whose session ended is told.
Farewell = Callable[[Mailbox, Ending], str]


def close_ended_sessions(
    fanout: Fanout, config: Mapping[str, Any], farewell: Farewell, host: str
) -> None:
    """(In the loop of ``host``.) Close the pages of sessions that no longer hold, or whose
    user's role on ``host`` changed, saying why."""
    mailboxes = fanout.mailboxes()
    if not mailboxes:
        return
    try:
        with closing(db.connect(config["DATABASE"])) as connection:
            hashes = {box.session_hash for box in mailboxes}
            roles = valid_sessions(connection, hashes, config, host)
            ended = {
                box: why_ended(
                    connection,
                    box.session_hash,
                    session_limits(config),
                    account_id=box.account_id,
                    role=box.page.role,
                    host=host,
                )
                for box in fanout.of_ended_sessions(roles)
            }
    except Exception as error:  # checked again in a second
        log.warning("could not check the sessions of live pages: %s", error)
        return
    for box, ending in ended.items():
        box.close(POLICY_VIOLATION, SESSION_ENDED_REASON, farewell(box, ending))


def say_standings(
    fanout: Fanout, standings: Mapping[int, str], render: Callable[[Mailbox, str], str]
) -> None:
    """(In the loop.) Send the header of each page of these accounts (by id) their standing
    ("operator on build-box and gpu-9") as ``render`` renders it for the page's mailbox."""
    for box in fanout.mailboxes():
        standing = standings.get(box.account_id)
        if standing is not None and box.page.shows_host_frame and not box.closing:
            box.put(render(box, standing))
