"""``pieces-admin tokens ...``: API tokens from the command line (accounts/tokens.py)."""

import argparse
import sqlite3
import sys
import time

from .cli import with_database
from .tokens import MAX_EXPIRY_DAYS, create_token, list_tokens, revoke_token
from .users import existing_user


def add_commands(commands: argparse._SubParsersAction) -> None:
    tokens = commands.add_parser("tokens", help="manage API tokens (for scripts)")
    actions = tokens.add_subparsers(dest="tokens_command", required=True)

    create = actions.add_parser("create", help="make a token and print it, once")
    create.add_argument("name", help="what the token is for, e.g. ci-build-box")
    create.add_argument("--user", required=True, help="the account the token acts as")
    create.add_argument(
        "--expires-days", type=int, help=f"1 to {MAX_EXPIRY_DAYS}; never, if not given"
    )

    listing = actions.add_parser("list", help="show tokens (never the tokens themselves)")
    listing.add_argument("--user", help="only this account's")

    revoke = actions.add_parser("revoke", help="end a token at once")
    revoke.add_argument("id", type=int, help="its number, as `tokens list` shows it")


def run(args: argparse.Namespace) -> int:
    """Carry out one ``tokens`` command; 2 with a message on stderr when it is refused."""
    return with_database(lambda db, actor: carry_out(args, db, actor))


def carry_out(args: argparse.Namespace, db: sqlite3.Connection, actor: str) -> None:
    if args.tokens_command == "create":
        owner = existing_user(db, args.user)
        secret = create_token(db, owner, args.name, args.expires_days, actor=actor)
        print(secret)
        print(
            f"This is {owner.name}'s token {args.name.strip()!r}; it is shown only now. "
            "Send it as: Authorization: Bearer <token>",
            file=sys.stderr,
        )
    elif args.tokens_command == "list":
        only = existing_user(db, args.user) if args.user else None
        for token in list_tokens(db, only):
            print(
                f"{token.id:>4}  {token.owner:<20} {token.name:<24}"
                f"  made {day(token.created_at)}  used {day(token.last_used_at)}"
                f"  expires {day(token.expires_at)}"
            )
    else:
        revoked = revoke_token(db, args.id, actor=actor)
        print(f"Revoked {revoked.owner}'s token {revoked.name!r}.")


def day(moment: float | None) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(moment)) if moment is not None else "never"
