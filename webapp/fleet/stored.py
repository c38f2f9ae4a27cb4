"""The hosts kept in the database: those admins added on the Hosts page and those
PIECES_OS_HOSTS seeded, in the order they were added."""

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..accounts.users import forget_host, rename_host
from ..activity import log as activity_log
from ..config import parse_url
from ..db import transaction
from .names import LOCAL_HOST, HostError, check_host_name


@dataclass(frozen=True)
class StoredHost:
    name: str
    url: str


def stored_hosts(db: sqlite3.Connection) -> list[StoredHost]:
    rows = db.execute("SELECT name, url FROM hosts ORDER BY id")
    return [StoredHost(row["name"], row["url"]) for row in rows]


def fleet_hosts(
    db: sqlite3.Connection, configured: Iterable[tuple[str, str]] | None
) -> dict[str, str | None]:
    """The fleet's hosts as the panel starts with them, by name, in order, each with its
    address: the hosts of PIECES_OS_HOSTS (``configured``) added to those kept first; or, with
    it unset, first the one host of PIECES_OS_URL or discovery (``local``, address None: known
    once the panel runs)."""
    if configured:
        seed(db, configured)
    hosts: dict[str, str | None] = {} if configured else {LOCAL_HOST: None}
    for host in stored_hosts(db):
        hosts.setdefault(host.name, host.url)
    return hosts


def is_kept(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM hosts WHERE name = ?", (name,)).fetchone() is not None


def check_url(url: str) -> str:
    """A Pieces OS address: http(s), a host, no query; and no user or password in it, which
    every page listing the hosts would show (Pieces OS asks for none)."""
    try:
        checked = parse_url(url)
    except ValueError as error:
        raise HostError(f"{url[:80]!r} is not a Pieces OS address: {error}.") from None
    if "@" in urlsplit(checked).netloc:
        raise HostError("A Pieces OS address takes no user name or password (nothing before @).")
    return checked


def seed(db: sqlite3.Connection, hosts: Iterable[tuple[str, str]]) -> None:
    """Add each configured host unless one of that name or address is kept already (a host an
    admin renamed keeps its address: it is not added again under its old name)."""
    with transaction(db):
        for name, url in hosts:
            known = db.execute(
                "SELECT 1 FROM hosts WHERE name = ? OR url = ?", (name, url)
            ).fetchone()
            if known is None:
                db.execute(
                    "INSERT INTO hosts (name, url, added_at) VALUES (?, ?, ?)",
                    (name, url, activity_log.now()),
                )


def add_host(db: sqlite3.Connection, name: str, url: str, *, actor: str) -> StoredHost:
    host = StoredHost(check_host_name(name), check_url(url))
    with transaction(db):
        if is_kept(db, name):
            raise HostError(f"There is a host named {name} already.")
        db.execute(
            "INSERT INTO hosts (name, url, added_at) VALUES (?, ?, ?)",
            (host.name, host.url, activity_log.now()),
        )
        activity_log.record(
            db,
            user=actor,
            action="add-host",
            outcome="ok",
            detail=f"Added {host.name} at {host.url}.",
            host=host.name,
        )
    return host


def change_host(
    db: sqlite3.Connection, name: str, new_name: str, new_url: str, *, actor: str
) -> StoredHost:
    """Rename a host and/or give it a new address; its entries in the log and the operators
    limited to it follow the name."""
    host = StoredHost(check_host_name(new_name), check_url(new_url))
    with transaction(db):
        if not is_kept(db, name):
            raise HostError(f"There is no host named {name} on the Hosts page.")
        if new_name != name and is_kept(db, new_name):
            raise HostError(f"There is a host named {new_name} already.")
        db.execute("UPDATE hosts SET name = ?, url = ? WHERE name = ?", (host.name, host.url, name))
        db.execute("UPDATE activity SET host = ? WHERE host = ?", (new_name, name))
        rename_host(db, name, new_name)
        activity_log.record(
            db,
            user=actor,
            action="change-host",
            outcome="ok",
            detail=described_change(name, host),
            host=host.name,
        )
    return host


def described_change(name: str, host: StoredHost) -> str:
    if host.name == name:
        return f"Moved {name} to {host.url}."
    return f"Renamed {name} to {host.name} (at {host.url})."


def readdress(db: sqlite3.Connection, hosts: Iterable[tuple[str, str]], *, actor: str) -> None:
    """Give each kept host of these names its address here (the simulated hosts of
    SIMULATED_HOSTS, which start on new ports each time); logged as changes."""
    kept = {host.name: host.url for host in stored_hosts(db)}
    for name, url in hosts:
        if kept.get(name, url) != url:
            change_host(db, name, name, url, actor=actor)


#: How an action still under way on a host that is removed ends in the log.
REMOVED_MEANWHILE = "Outcome unknown: the host was removed from the panel before it ended."


def remove_host(db: sqlite3.Connection, name: str, *, actor: str) -> list[str]:
    """Forget a host (its entries in the log stay, under its name; those still pending end as
    unknown, as nobody follows them any more). It leaves the hosts of every operator limited
    to it; those whose only host it was become viewers (their names are returned): with no
    host left they would act on every host."""
    with transaction(db):
        if db.execute("DELETE FROM hosts WHERE name = ?", (name,)).rowcount == 0:
            raise HostError(f"There is no host named {name} on the Hosts page.")
        db.execute(
            "UPDATE activity SET outcome = 'failed', detail = ?, finished_at = ?"
            " WHERE host = ? AND outcome = 'pending'",
            (REMOVED_MEANWHILE, activity_log.now(), name),
        )
        activity_log.record(
            db, user=actor, action="remove-host", outcome="ok", detail=f"Removed {name}.", host=name
        )
        return forget_host(db, name, actor=actor)


def claim_unnamed_entries(db: sqlite3.Connection, first_host: str) -> None:
    """Entries logged before the panel knew several hosts (marked by schema step 6) belong to
    its first host."""
    db.execute("UPDATE activity SET host = ? WHERE host = ''", (first_host,))
