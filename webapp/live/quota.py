"""How many live sockets may be open. An open page costs no thread, but it holds a file
descriptor and some memory for as long as it is open, so one account (LIVE_SOCKETS_PER_ACCOUNT)
and everybody together (LIVE_SOCKETS_TOTAL, within the process's open-file limit) get a bounded
number. A page refused a socket says why and polls instead."""
import logging
import resource
import threading
from collections import Counter

log = logging.getLogger(__name__)

# File descriptors kept for everything else: requests being served, Pieces OS, the database.
RESERVED_DESCRIPTORS = 256


def sockets_allowed(configured_total: int) -> int:
    """``configured_total``, or fewer when the open-file limit could not take that many."""
    soft_limit, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = configured_total + RESERVED_DESCRIPTORS
    if soft_limit == resource.RLIM_INFINITY or needed <= soft_limit:
        return configured_total
    allowed = max(1, soft_limit - RESERVED_DESCRIPTORS)
    log.warning("LIVE_SOCKETS_TOTAL is %d but the open-file limit is %d: at most %d live pages "
                "(raise the limit with `ulimit -n`)", configured_total, soft_limit, allowed)
    return allowed


class SocketQuota:
    """Counts open sockets per account; ``take`` one before opening a socket, ``give_back``
    when it is gone. Thread-safe."""

    def __init__(self, per_account: int, total: int):
        self.per_account = per_account
        self.total = total
        self._open: Counter[int] = Counter()
        self._lock = threading.Lock()

    def take(self, account_id: int) -> str | None:
        """None when a socket may be opened (and is counted); otherwise why not."""
        with self._lock:
            if self._open[account_id] >= self.per_account:
                return (f"Live updates are off on this page: your account already has "
                        f"{self.per_account} pages open with live updates. It reloads itself "
                        "meanwhile; close some to get them back.")
            if sum(self._open.values()) >= self.total:  # (self.open would take the lock again)
                return ("Live updates are off on this page: the panel serves as many live "
                        "pages as it can. It reloads itself meanwhile.")
            self._open[account_id] += 1
            return None

    @property
    def open(self) -> int:
        """How many sockets are counted now."""
        with self._lock:
            return sum(self._open.values())

    def give_back(self, account_id: int) -> None:
        with self._lock:
            self._open[account_id] -= 1
            if self._open[account_id] <= 0:
                del self._open[account_id]
