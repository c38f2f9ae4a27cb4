"""Searching the activity log: filters and page number from the query string, validated, and the
matching page of entries, newest first.

Logins and logouts are most of a busy log: they are left out unless asked for (``logins=shown``,
or an action filter naming them), and the page says how many were left out.

The name typed in a failed login is often a password typed into the wrong field: only those who
manage users see it. For everybody else it is left out, and the user filter does not find it."""

import math
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from werkzeug.datastructures import MultiDict

from ..config import HOST_NAME_PATTERN, HOST_NAME_RULE
from ..web.query import non_default_query
from .log import ACTIONS, OUTCOMES, SESSION_ACTIONS, Entry

PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_TEXT_LENGTH = 200
PAGE_NUMBER = re.compile(r"[0-9]{1,6}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
TEXT_FILTERS = ("user", "model", "action", "outcome", "host", "logins")
SHOWN = "shown"  # the value of ``logins`` that shows logins and logouts
IS_SESSION_ACTION = f"action IN ({', '.join(repr(action) for action in SESSION_ACTIONS)})"
HIDDEN_NAME = "(hidden)"
#: The ``user`` column as somebody who may not see failed-login names sees it.
REDACTED_USER = (
    f"CASE WHEN action = 'login' AND outcome = 'failed' THEN '{HIDDEN_NAME}' ELSE user END"
)


class BadActivityQuery(ValueError):
    """A query string the log cannot honour; the message says which parameter and why."""


@dataclass(frozen=True)
class ActivityQuery:
    user: str = ""  # a user whose name contains this text (any case)
    model: str = ""  # this model id, or a model whose name contains this text
    action: str = ""
    outcome: str = ""
    host: str = ""  # entries of this Pieces OS host
    logins: str = ""  # SHOWN: logins and logouts too
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict) -> "ActivityQuery":
        values = {name: args.get(name, "").strip() for name in TEXT_FILTERS}
        for name, value in values.items():
            if len(value) > MAX_TEXT_LENGTH:
                raise BadActivityQuery(f"{name} is longer than {MAX_TEXT_LENGTH} characters")
            if CONTROL_CHARACTERS.search(value):
                raise BadActivityQuery(f"{name} contains control characters")
        for name, allowed in (("action", ACTIONS), ("outcome", OUTCOMES), ("logins", (SHOWN,))):
            if values[name] and values[name] not in allowed:
                raise BadActivityQuery(f"{name} must be one of: {', '.join(allowed)}")
        if values["host"] and not HOST_NAME_PATTERN.fullmatch(values["host"]):
            raise BadActivityQuery(f"host must be a host name: {HOST_NAME_RULE}")
        page = args.get("page", "1").strip() or "1"
        if not PAGE_NUMBER.fullmatch(page) or not 1 <= int(page) <= MAX_PAGE:
            raise BadActivityQuery(f"page must be a whole number from 1 to {MAX_PAGE}")
        return cls(**values, page=int(page))

    def query_string(self, **changes: str | int) -> str:
        """This query (with ``changes``) as a URL query string, defaults left out."""
        return non_default_query({**asdict(self), **changes}, asdict(ActivityQuery()))

    @property
    def hides_logins(self) -> bool:
        return self.logins != SHOWN and not self.action

    def where(self, user_column: str = "user", logins_only: bool = False) -> tuple[str, list]:
        """The SQL condition (with its parameters) that the filters make; with ``logins_only``,
        of the logins and logouts the filters would show if they were not hidden."""
        conditions, parameters = [], []
        if logins_only or self.hides_logins:
            conditions.append(IS_SESSION_ACTION if logins_only else f"NOT {IS_SESSION_ACTION}")
        if self.user:
            # LIKE ignores the case of ASCII; on the column as shown, so a hidden name is not
            # found either.
            conditions.append(f"({user_column}) LIKE ? ESCAPE '\\'")
            parameters.append(_containing(self.user))
        if self.model:
            conditions.append("(model_id = ? OR model_name LIKE ? ESCAPE '\\')")
            parameters += [self.model, _containing(self.model)]
        for column in ("action", "outcome", "host"):
            if getattr(self, column):
                conditions.append(f"{column} = ?")
                parameters.append(getattr(self, column))
        return (" WHERE " + " AND ".join(conditions) if conditions else ""), parameters


def _containing(text: str) -> str:
    """A LIKE pattern matching any text that contains ``text`` (its wildcards escaped)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


@dataclass(frozen=True)
class ActivityPage:
    query: ActivityQuery
    entries: list[Entry]
    total: int
    hidden_logins: int = 0  # logins and logouts the filters match, left out

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first_number(self) -> int:
        """The position of the page's first entry in the whole result, counting from 1."""
        return (self.query.page - 1) * PAGE_SIZE + 1

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1

    @property
    def has_next(self) -> bool:
        return self.query.page < self.page_count


def _select(query: ActivityQuery, show_failed_login_names: bool) -> tuple[str, str, list]:
    """The SELECT of the matching entries, newest first (names typed in failed logins hidden
    unless ``show_failed_login_names``), its WHERE clause and parameters."""
    user = _user_column(show_failed_login_names)
    where, parameters = query.where(user)
    select = (
        f"SELECT id, at, {user} AS user, action, model_id, model_name, outcome, detail,"
        f" finished_at, via, host FROM activity{where} ORDER BY id DESC"
    )
    return select, where, parameters


def matching(
    db: sqlite3.Connection, query: ActivityQuery, show_failed_login_names: bool = False
) -> Iterator[Entry]:
    """Every entry the filters match (all pages), newest first."""
    select, _where, parameters = _select(query, show_failed_login_names)
    for row in db.execute(select, parameters):
        yield Entry.from_row(row)


def search(
    db: sqlite3.Connection, query: ActivityQuery, show_failed_login_names: bool = False
) -> ActivityPage:
    select, where, parameters = _select(query, show_failed_login_names)
    total = db.execute(f"SELECT count(*) FROM activity{where}", parameters).fetchone()[0]
    rows = db.execute(
        f"{select} LIMIT ? OFFSET ?", [*parameters, PAGE_SIZE, (query.page - 1) * PAGE_SIZE]
    )
    hidden = 0
    if query.hides_logins:
        logins, login_parameters = query.where(_user_column(show_failed_login_names), True)
        hidden = db.execute(f"SELECT count(*) FROM activity{logins}", login_parameters).fetchone()[
            0
        ]
    return ActivityPage(query, [Entry.from_row(row) for row in rows], total, hidden)


def _user_column(show_failed_login_names: bool) -> str:
    return "user" if show_failed_login_names else REDACTED_USER


def hosts_logged(db: sqlite3.Connection) -> list[str]:
    """Every host the log names (the fleet's, and any removed since), by name. Asked at each
    look at the Activity page: one step of the host index per host (each the next name after
    the last), rather than a scan of every entry."""
    rows = db.execute(
        "WITH RECURSIVE named(host) AS ("
        " SELECT min(host) FROM activity WHERE host > ''"
        " UNION ALL"
        " SELECT (SELECT min(host) FROM activity WHERE host > named.host) FROM named"
        " WHERE named.host IS NOT NULL)"
        " SELECT host FROM named WHERE host IS NOT NULL"
    )
    return [row[0] for row in rows]


def entries_after(
    db: sqlite3.Connection, after_id: int, limit: int, show_failed_login_names: bool = False
) -> list[Entry]:
    """Up to ``limit`` entries written after entry ``after_id``, oldest first (for scripts that
    follow the log: the API's ``/activity?after=``)."""
    rows = db.execute(
        f"SELECT id, at, {_user_column(show_failed_login_names)} AS user, action, model_id,"
        " model_name, outcome, detail, finished_at, via, host FROM activity WHERE id > ?"
        " ORDER BY id LIMIT ?",
        (after_id, limit),
    )
    return [Entry.from_row(row) for row in rows]
