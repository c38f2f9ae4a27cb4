"""The process's open-file limit: each open page's live socket is a file descriptor."""

import resource

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
