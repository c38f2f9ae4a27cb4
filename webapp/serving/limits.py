"""The process's open-file limit: each open page's live socket is a file descriptor."""

import resource
import threading

# File descriptors kept for everything else: requests being served, Pieces OS, the database.
RESERVED_DESCRIPTORS = 256


def raise_open_file_limit(wanted: int) -> int:
    """Raise the soft limit towards ``wanted`` (never past the hard limit, never lower);
    returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


class SocketBudget:
    """The live sockets the whole process may hold, whatever host each page is of (each host
    counts its own pages per account, live/fanout.py). A socket's handler takes a place before
    its page opens and gives it back when it ends, from its own thread (or greenlet): a
    semaphore, which counts them without anything else to own."""

    def __init__(self, total: int):
        self.total = total
        self._places = threading.BoundedSemaphore(total)

    def take(self) -> bool:
        """A place for one more socket, if any is left (never waits)."""
        return self._places.acquire(blocking=False)

    def give_back(self) -> None:
        self._places.release()
