"""Giving freed memory back to the system once a burst of requests is over.

Each request thread allocates from its own glibc malloc arena, and pages rendered in many threads
leave those arenas full of freed, fragmented space that glibc keeps: after a busy minute the
worker would stay tens of percent larger than before it. ``malloc_trim`` returns the free pages
of every arena; it is called when a request thread ends for want of work (pool.py), i.e. once the
load has gone down, after a garbage collection has freed what only reference cycles held.
Elsewhere than glibc only the collection is done.
"""
import ctypes
import ctypes.util
import gc

# glibc's mallopt parameter for the most arenas malloc makes (default: 8 per core).
M_ARENA_MAX = -8


def _glibc(function: str):
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), function) if name else None
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _glibc("malloc_trim")
_mallopt = _glibc("mallopt")


def limit_malloc_arenas(most: int) -> None:
    """At most ``most`` malloc arenas for all the request threads (before they start): fewer
    arenas keep less freed space apart."""
    if _mallopt is not None:
        _mallopt(M_ARENA_MAX, most)


def give_back_free_memory() -> None:
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)
