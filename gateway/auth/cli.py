"""`partygrid user add|list|disable|passwd|reset`: the commands' work, given the auth role's
URL.

    partygrid user add NAME --role ROLE --region CODE    password from a prompt or stdin
    partygrid user list
    partygrid user disable NAME
    partygrid user passwd NAME     a new password from a prompt or stdin (the policy applies)
    partygrid user reset NAME      prints a random temporary password to hand over

Disabling, passwd and reset end every session of the user within seconds.

Which database is infra/cli.py's concern; this module only talks to the `auth` schema.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from gateway.auth import users
from gateway.auth.models import ROLES
from gateway.auth.users import UserInputError

T = TypeVar("T")
ROLE_NAMES = {
    "district": "区委组织部",
    "street": "办事处党工委",
    "secretary": "社区党组织书记",
    "planner": "网格规划员",
    "viewer": "只读",
}


def read_password(stdin: TextIO = sys.stdin) -> str:
    """From a prompt (twice) on a terminal, else the first line of stdin."""
    if stdin.isatty():
        first = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / again: ") != first:
            raise UserInputError("INVALID", "两次输入的密码不一致", "The passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


async def _in_transaction(url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await work(conn)
    finally:
        await engine.dispose()


def run(
    url: str,
    action: str,
    *,
    name: str = "",
    role: str = "",
    region: str = "",
    region_exists: Callable[[str], bool] | None = None,
) -> int:
    """Do `action` (add, list, disable, passwd, reset); 0 on success, 1 with a message for a bad input.
    `region_exists`: whether a place is in org's tree (and in use); a user gets only those."""
    try:
        if action == "add":
            # Check before asking for a password: a typo in the role costs no typing.
            users.check_new_user(name, None, role, region)
            if region_exists is not None and not region_exists(region):
                raise UserInputError(
                    "NOT_FOUND",
                    f"区划{region}不存在或已撤销（先导入区划：partygrid import regions）",
                    f"No region {region} in use (import places first: partygrid import regions)",
                )
            password = read_password()
            user = asyncio.run(
                _in_transaction(
                    url,
                    lambda conn: users.add_user(
                        conn, username=name, password=password, role=role, region_code=region
                    ),
                )
            )
            print(f"partygrid: added {user.username} ({user.role.value} @ {user.region_code})")
        elif action == "passwd":
            password = read_password()
            user = asyncio.run(
                _in_transaction(url, lambda conn: users.set_password(conn, name, password))
            )
            print(f"partygrid: new password set for {user.username}; its sessions have ended")
        elif action == "reset":
            user, temporary = asyncio.run(
                _in_transaction(url, lambda conn: users.reset_password(conn, name))
            )
            print(
                f"partygrid: temporary password for {user.username} (its sessions have ended;"
                " hand it over, and the user sets their own with changePassword):",
                file=sys.stderr,
            )
            print(temporary)
        elif action == "disable":
            user = asyncio.run(_in_transaction(url, lambda conn: users.disable_user(conn, name)))
            print(f"partygrid: disabled {user.username}")
        else:
            for user in asyncio.run(_in_transaction(url, users.list_users)):
                state = "disabled" if user.disabled_at else "active"
                label = ROLE_NAMES[user.role.value]
                print(f"{user.username}\t{user.role.value}\t{label}\t{user.region_code}\t{state}")
    except UserInputError as refused:
        print(f"partygrid: {refused.message} ({refused.message_en})", file=sys.stderr)
        return 1
    return 0


__all__ = ["ROLES", "read_password", "run"]
