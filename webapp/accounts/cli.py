"""``pieces-admin users ...``: manage the panel's accounts from the command line, and the first
admin account that ``pieces-admin serve`` creates when there is none."""

import argparse
import getpass
import sqlite3
import sys
from collections.abc import Callable, Collection

from ..config import INSTANCE_FOLDER, ConfigError, settings_from_env
from ..db import connect, database_path, prepare_database
from .scopes import describe_role
from .users import (
    FIRST_ADMIN_NAME,
    ROLES,
    DuplicateUser,
    UnknownUser,
    UserError,
    add_user,
    check_hosts,
    check_name,
    create_first_admin,
    existing_user,
    find_user,
    list_users,
    remove_user,
    set_password,
    set_role,
)

#: How the terminal and the README (first start) say where a password is changed.
WHERE_THE_ACCOUNT_PAGE_IS = "(your name, top right)"


def add_commands(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="manage the panel's accounts")
    actions = users.add_subparsers(dest="users_command", required=True)
    stdin_help = "read the password from the first line of standard input (for scripts)"

    hosts_help = "an operator acts on these hosts only, e.g. build-box,gpu-1 (a viewer elsewhere)"

    add = actions.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--hosts", type=host_names, default=(), help=hosts_help)
    add.add_argument("--password-stdin", action="store_true", help=stdin_help)

    actions.add_parser("list", help="show every account, its role and its hosts")

    change_role = actions.add_parser(
        "set-role", help="give an account another role (an operator keeps its hosts)"
    )
    change_role.add_argument("name")
    change_role.add_argument("role", choices=ROLES)
    scope = change_role.add_mutually_exclusive_group()
    scope.add_argument("--hosts", type=host_names, help=hosts_help + "; '' for every host")
    scope.add_argument(
        "--all-hosts", dest="hosts", action="store_const", const=(), help="act on every host"
    )

    passwd = actions.add_parser("passwd", help="set an account's password (asks for it)")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help=stdin_help)

    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")


#: The names of the fleet's hosts, as the panel starts with them (fleet.stored.fleet_hosts).
HostNames = Callable[[sqlite3.Connection], Collection[str]]


def host_names(value: str) -> tuple[str, ...]:
    """``--hosts build-box,gpu-1``: the names (checked against the fleet's when used)."""
    return tuple(filter(None, (name.strip() for name in value.split(","))))


def run(args: argparse.Namespace, fleet: HostNames) -> int:
    """Carry out one ``users`` command; 2 with a message on stderr when it is refused."""
    return with_database(lambda db, actor: carry_out(args, db, actor, fleet))


def with_database(command: Callable[[sqlite3.Connection, str], None]) -> int:
    """Run ``command`` on the panel's database as the person at the command line; 2 with a
    message on stderr when it is refused (for every ``pieces-admin`` command on accounts)."""
    db = open_database()
    try:
        command(db, command_line_actor())
    except UserError as refusal:
        print(f"pieces-admin: {refusal}", file=sys.stderr)
        return 2
    finally:
        db.close()
    return 0


def carry_out(
    args: argparse.Namespace, db: sqlite3.Connection, actor: str, fleet: HostNames
) -> None:
    if args.users_command == "list":
        print_users(db)
    elif args.users_command == "add":
        check_name(args.name)  # the name and hosts are checked before the password is asked for
        if find_user(db, args.name):
            raise DuplicateUser(args.name)
        known = fleet(db) if args.hosts else ()
        hosts = check_hosts(args.role, args.hosts, known)
        password = read_password(args.password_stdin)
        user = add_user(
            db, args.name, args.role, password, actor=actor, hosts=hosts, known_hosts=known
        )
        print(f"Added {user.name} as {user.standing}.")
    elif args.users_command == "set-role":
        known = fleet(db) if args.hosts else ()
        set_role(db, args.name, args.role, actor=actor, hosts=args.hosts, known_hosts=known)
        user = existing_user(db, args.name)
        scoped = args.hosts is not None
        print(f"{user.name} is now {describe_role(user.role, user.hosts, every_host=scoped)}.")
    elif args.users_command == "passwd":
        if find_user(db, args.name) is None:
            raise UnknownUser(args.name)
        set_password(db, args.name, read_password(args.password_stdin), actor=actor)
        print(f"Changed the password of {args.name}; their open sessions have ended.")
    else:
        remove_user(db, args.name, actor=actor)
        print(f"Removed {args.name}.")


def announce_first_admin() -> None:
    """With no account at all, create ``admin`` and print its password, once."""
    notice = first_admin_notice()
    if notice:
        print(notice, flush=True)


def first_admin_notice() -> str | None:
    """With no account at all, create ``admin``: what to tell of it (its password, shown only
    this once); None when accounts exist."""
    db = open_database()
    try:
        password = create_first_admin(db)
    finally:
        db.close()
    if not password:
        return None
    return (
        "No accounts existed, so an administrator account was created:\n"
        f"    name:     {FIRST_ADMIN_NAME}\n"
        f"    password: {password}\n"
        "This password is shown only now. Log in, then set a new one on your account page\n"
        f"{WHERE_THE_ACCOUNT_PAGE_IS}, or with `pieces-admin users passwd {FIRST_ADMIN_NAME}`."
    )


def open_database() -> sqlite3.Connection:
    """The database the panel uses (DATABASE, or the instance folder's), created if missing."""
    path = database_path(settings_from_env()["DATABASE"], INSTANCE_FOLDER)
    try:
        prepare_database(path)
        return connect(path)
    except sqlite3.Error as error:
        raise ConfigError(f"cannot open the database {path}: {error}") from None


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat the password: "):
        raise UserError("The two passwords differ; nothing was changed.")
    return password


def command_line_actor() -> str:
    """How the activity log names a change made here: the operating-system user."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (OSError, KeyError):
        return "(command line)"


def print_users(db: sqlite3.Connection) -> None:
    users = list_users(db)
    if not users:
        print("No accounts yet. Add one with: pieces-admin users add NAME --role admin")
        return
    width = max(len(user.name) for user in users)
    for user in users:
        acts_on = f"acts on {user.acts_on}"
        print(f"{user.name:<{width}}  {user.role:<8}  {acts_on:<28}  created {user.created_at}")
