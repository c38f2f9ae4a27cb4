"""The hosts an account acts on (table ``user_hosts``): an operator with some acts on those and
is a viewer on the others; with none, it acts on every host. Read with the account, in the same
query (``HOSTS_COLUMN``), by the users, sessions and endings modules alike."""

from collections.abc import Collection, Iterable

#: The hosts of an account, as a column of any query that reads ``users``: their names joined
#: by commas (a host name has none), NULL for none. A subquery on the table's primary key, so
#: that reading an account with its hosts stays one query.
HOSTS_COLUMN = (
    "(SELECT group_concat(host, ',') FROM user_hosts WHERE user_hosts.user_id = users.id) AS hosts"
)


def hosts_of(column: str | None) -> tuple[str, ...]:
    """The hosts as ``HOSTS_COLUMN`` reads them, by name."""
    return tuple(sorted(column.split(","))) if column else ()


def role_on_host(role: str, hosts: Collection[str], host: str | None) -> str:
    """The role on ``host`` of an account of ``role`` limited to ``hosts`` (none: every host):
    an operator is a viewer outside its hosts (and, when no host is named, wherever it is
    limited)."""
    if role == "operator" and hosts and host not in hosts:
        return "viewer"
    return role


def narrower(hosts: Collection[str], new_hosts: Collection[str]) -> bool:
    """Does an operator limited to ``new_hosts`` act on fewer hosts than one limited to
    ``hosts`` (none: every host)?"""
    return bool(new_hosts) and (not hosts or not set(hosts) <= set(new_hosts))


def describe_role(role: str, hosts: Collection[str], *, every_host: bool = False) -> str:
    """ "operator on build-box and gpu-1"; the role alone otherwise, or "operator on every
    host" with ``every_host`` (where the hosts are the point)."""
    if role != "operator":
        return role
    if hosts:
        return f"operator on {and_list(hosts)}"
    return "operator on every host" if every_host else role


def and_list(names: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    listed = list(names)
    return ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else "".join(listed)
