"""How many live sockets the process can hold: each open page's socket is a file descriptor, so
LIVE_SOCKETS_TOTAL is lowered to what the open-file limit allows (serving.limits.SocketBudget
counts them)."""

import logging
import resource

from ..serving.limits import RESERVED_DESCRIPTORS

log = logging.getLogger(__name__)


def sockets_allowed(configured_total: int) -> int:
    """``configured_total``, or fewer when the open-file limit could not take that many."""
    soft_limit, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = configured_total + RESERVED_DESCRIPTORS
    if soft_limit == resource.RLIM_INFINITY or needed <= soft_limit:
        return configured_total
    allowed = max(1, soft_limit - RESERVED_DESCRIPTORS)
    log.warning(
        "LIVE_SOCKETS_TOTAL is %d but the open-file limit is %d: at most %d live pages "
        "(raise the limit with `ulimit -n`)",
        configured_total,
        soft_limit,
        allowed,
    )
    return allowed
