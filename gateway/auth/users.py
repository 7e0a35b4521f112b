"""Users: add, list, disable, set a password, and look up by name (the `auth` schema, no
GraphQL here). Disabling a user or setting a password ends every session of the user: its
session version goes up (access tokens carrying the old one are refused by the gateway
within seconds, see `revocation.py`) and its refresh tokens are spent."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.models import ROLES, refresh_token, user_account
from gateway.auth.passwords import hash_password_async, password_problem
from services.common.auth import Identity, Role, is_region_code

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class UserInputError(ValueError):
    """A refused user change: `code` (INVALID, CONFLICT, NOT_FOUND), Chinese and English."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    username: str
    role: Role
    region_code: str
    disabled_at: dt.datetime | None
    password_hash: str
    session_version: int = 1

    @property
    def identity(self) -> Identity:
        return Identity(subject=self.username, role=self.role, region=self.region_code)


def _user(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m["id"],
        username=m["username"],
        role=Role(m["role"]),
        region_code=m["region_code"],
        disabled_at=m["disabled_at"],
        password_hash=m["password_hash"],
        session_version=m["session_version"],
    )


def check_password(password: str, username: str = "") -> None:
    """Raise UserInputError (INVALID) unless `password` meets the policy (`passwords.py`)."""
    problem = password_problem(password, username)
    if problem is not None:
        raise UserInputError("INVALID", *problem)


def check_new_user(username: str, password: str | None, role: str, region_code: str) -> None:
    """Raise UserInputError for the first thing wrong with a new user's fields (the
    password's too, unless None: not asked for yet)."""
    if not USERNAME.match(username):
        raise UserInputError(
            "INVALID",
            "用户名须为 1 至 64 个字母、数字或 _.@- 字符",
            "A username is 1 to 64 letters, digits or _.@- characters",
        )
    if role not in ROLES:
        raise UserInputError(
            "INVALID", f"未知角色：{role}", f"Unknown role {role!r} (one of {', '.join(ROLES)})"
        )
    if not is_region_code(region_code):
        raise UserInputError(
            "INVALID",
            f"区划代码须为 6、9 或 12 位数字：{region_code}",
            f"A region code has 6, 9 or 12 digits: {region_code!r}",
        )
    if password is not None:
        check_password(password, username)


async def add_user(
    conn: AsyncConnection, *, username: str, password: str, role: str, region_code: str
) -> User:
    """A new user; its password is stored only as an argon2id hash."""
    check_new_user(username, password, role, region_code)
    try:
        row = (
            await conn.execute(
                insert(user_account)
                .values(
                    id=uuid.uuid4(),
                    username=username,
                    password_hash=await hash_password_async(password),
                    role=role,
                    region_code=region_code,
                )
                .returning(*user_account.c)
            )
        ).one()
    except IntegrityError as exc:
        raise UserInputError(
            "CONFLICT", f"用户名已存在：{username}", f"User {username!r} exists already"
        ) from exc
    return _user(row)


async def list_users(conn: AsyncConnection) -> list[User]:
    rows = await conn.execute(select(user_account).order_by(user_account.c.username))
    return [_user(row) for row in rows]


async def find_user(conn: AsyncConnection, username: str) -> User | None:
    row = (
        await conn.execute(select(user_account).where(user_account.c.username == username))
    ).first()
    return _user(row) if row else None


async def disable_user(conn: AsyncConnection, username: str) -> User:
    """Disable a user: no more logins, and every session of it ends."""
    return await _end_sessions(
        conn,
        username,
        disabled_at=func.coalesce(user_account.c.disabled_at, func.now()),
    )


async def set_password(conn: AsyncConnection, username: str, password: str) -> User:
    """A new password (checked against the policy); every session of the user ends."""
    check_password(password, username)
    return await _end_sessions(conn, username, password_hash=await hash_password_async(password))


async def reset_password(conn: AsyncConnection, username: str) -> tuple[User, str]:
    """A random temporary password (96 bits, 16 characters) for an administrator to hand
    over; every session of the user ends. The user then chooses their own with
    `changePassword`."""
    temporary = secrets.token_urlsafe(12)
    user = await _end_sessions(conn, username, password_hash=await hash_password_async(temporary))
    return user, temporary


async def _end_sessions(conn: AsyncConnection, username: str, **values: object) -> User:
    row = (
        await conn.execute(
            update(user_account)
            .where(user_account.c.username == username)
            .values(session_version=user_account.c.session_version + 1, **values)
            .returning(*user_account.c)
        )
    ).first()
    if row is None:
        raise UserInputError("NOT_FOUND", f"未找到用户：{username}", f"No user {username!r}")
    await conn.execute(
        update(refresh_token)
        .where(refresh_token.c.user_id == row.id, refresh_token.c.used_at.is_(None))
        .values(used_at=func.now())
    )
    return _user(row)


async def set_password_hash(conn: AsyncConnection, user_id: uuid.UUID, new_hash: str) -> None:
    await conn.execute(
        update(user_account).where(user_account.c.id == user_id).values(password_hash=new_hash)
    )
