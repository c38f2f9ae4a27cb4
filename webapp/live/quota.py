"""How many live sockets may be open: each holds a server thread for as long as its page is
open, so one account (LIVE_SOCKETS_PER_ACCOUNT) and everybody together (LIVE_SOCKETS_TOTAL) get
a bounded number, and the threads left serve ordinary pages."""
import threading
from collections import Counter


class SocketQuota:
    """Counts open sockets per account; ``take`` one before holding a socket, ``give_back``
    after. Thread-safe."""

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
                        f"{self.per_account} pages open with live updates. Close some and "
                        "reload this one.")
            if sum(self._open.values()) >= self.total:  # (self.open would take the lock again)
                return ("Live updates are off on this page: the panel serves as many live "
                        "pages as it can. Reload it later.")
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
