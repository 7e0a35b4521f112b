"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile),
off the event loop, and the password policy.

Hashing takes tens of milliseconds of CPU (and 64 MiB): done on the event loop, one login a
second made every request of the gateway wait. It runs in a pool of its own instead (argon2
releases the GIL), `HASH_WORKERS` threads, so a flood of logins queues for those few threads
and never takes the threads others need (anyio's, for file reads). The pool's threads run at a
lower CPU priority (Linux niceness is per thread, and argon2's own lane threads inherit it),
so under a flood the event loop, at normal priority, gets the CPU first. Not the lowest: at
niceness 19 a hash gets 1.5 % of a normal thread's CPU weight, so on a machine busy with
other work one sign-in can outlast the gateway's fetch deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing cost grows with length: a huge password is refused, not hashed
MIN_SCORE = 3  # zxcvbn's 0..4: 3 is "safely unguessable: moderate protection offline"
HASH_WORKERS = 2
_SCORED_PREFIX = 100  # zxcvbn's matching is superlinear in length; the start decides anyway


HASH_NICENESS = 5  # a third of a normal thread's CPU weight when both want the CPU


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


_POOL = ThreadPoolExecutor(
    max_workers=HASH_WORKERS, thread_name_prefix="argon2", initializer=_lower_priority
)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so both answers take the same time. Made
    on first use: one argon2 hash at import cost every `partygrid` command ~1 s."""
    return _hasher.hash("partygrid-no-such-user")


@functools.cache
def _common() -> frozenset[str]:
    """zxcvbn's list of the 30,000 most common passwords (from leaked password sets); loaded
    on first use, like zxcvbn itself, so commands that check no password start fast."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]  # no stubs exist

    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; an unknown user (None) costs a verification too."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    """`hash_password` in one of the hashing threads."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, hash_password, password)


async def verify_password_async(stored_hash: str | None, password: str) -> bool:
    """`verify_password` in one of the hashing threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, verify_password, stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, username: str = "") -> tuple[str, str] | None:
    """Why `password` may not be chosen (Chinese, English), or None when it may."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return (
            f"密码长度须在 {MIN_LENGTH} 至 {MAX_LENGTH} 个字符之间",
            f"A password has {MIN_LENGTH} to {MAX_LENGTH} characters",
        )
    if password.lower() in _common():
        return ("该密码过于常见，请换一个", "This password is too common; choose another")
    if username and username.lower() in password.lower():
        return ("密码不能包含用户名", "A password may not contain the username")
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # no stubs exist

    if zxcvbn(password[:_SCORED_PREFIX], user_inputs=[username])["score"] < MIN_SCORE:
        return (
            "密码太容易猜到（如重复、序列或常见词），请换一个更长或更随机的密码",
            "This password is too easy to guess (repeats, sequences or common words);"
            " choose a longer or more random one",
        )
    return None
