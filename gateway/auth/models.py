"""Tables of the `auth` schema: users, their refresh tokens and the sign-in failures."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)

SCHEMA = "auth"
metadata = MetaData(schema=SCHEMA)

ROLES = ("district", "street", "secretary", "planner", "viewer")

user_account = Table(
    "user_account",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters
    Column("role", Text, nullable=False),
    Column("region_code", String(12), nullable=False),  # the node its scope hangs from
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # Carried by access tokens (claim `sv`); raised when the password changes or the user is
    # disabled, which ends every session of the user (gateway/auth/revocation.py).
    Column("session_version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "role IN ('district', 'street', 'secretary', 'planner', 'viewer')",
        name="user_account_role_known",
    ),
    CheckConstraint(
        "region_code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})$'", name="user_account_region_code"
    ),
)

refresh_token = Table(
    "refresh_token",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("user_account.id"), nullable=False),
    # SHA-256 of the token: a leaked table yields no usable token.
    Column("token_hash", Text, nullable=False, unique=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),  # rotated: one use each
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("refresh_token_user", refresh_token.c.user_id)

# Sign-in failures per account and per client address (gateway/auth/throttle.py), in the
# database so that every worker process counts the same attempts.
login_failure = Table(
    "login_failure",
    metadata,
    Column("key", LargeBinary, primary_key=True),  # a keyed hash: no names or addresses kept
    Column("failures", Integer, nullable=False),
    Column("last", DateTime(timezone=True), nullable=False),
)
Index("login_failure_last", login_failure.c.last)  # the forgetting's DELETE
