"""Who may act on which host: the one place that decides it, for the fleet page's forms and its
bulk actions (an operator limited to some hosts acts on those only)."""

from ..accounts.users import User


def may_act_on(user: User, host_name: str) -> bool:
    """May ``user`` download, load, unload or delete files on the host named ``host_name``?"""
    return user.can("act", host_name)
