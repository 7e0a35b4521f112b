"""Who is calling, and what that caller may see and change (ARCHITECTURE "Security").

Every subgraph request carries an `Identity` (from the internal token, see `auth_tokens`):
a user's name, role and region node. A caller sees and writes only what lies under its node
(region codes nest by prefix: 6-digit district, 9-digit street, 12-digit community); writes
also need the right role. Domain code stays free of this: resolvers check before they call it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeGuard

from graphql import GraphQLError


class Role(Enum):
    """A user's role. `SERVICE` is no user: probes and composition read with it."""

    DISTRICT = "district"  # 区委组织部
    STREET = "street"  # 办事处/乡 党(工)委
    SECRETARY = "secretary"  # 社区党组织书记
    PLANNER = "planner"  # 网格规划员
    VIEWER = "viewer"  # read only
    SERVICE = "service"


USER_ROLES = (Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.PLANNER, Role.VIEWER)
# A role as a user reads it (zh-CN, en): a refusal names the caller's role by its label,
# never by its raw value ("planner").
ROLE_LABELS = {
    Role.DISTRICT: ("区委组织部", "district organization department"),
    Role.STREET: ("办事处党工委", "street office"),
    Role.SECRETARY: ("社区党组织书记", "community secretary"),
    Role.PLANNER: ("网格规划员", "grid planner"),
    Role.VIEWER: ("只读用户", "viewer"),
    Role.SERVICE: ("系统服务", "system service"),
}
NOT_SIGNED_IN = ("未登录", "not signed in")
# Which roles may do what, within their scope (district: everything, for its whole tree).
ORG_WRITERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY})
GRID_WRITERS = frozenset({Role.DISTRICT, Role.PLANNER})
PERSONAL_READERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY})
REGION_CODE_LENGTHS = (6, 9, 12)


def is_region_code(code: object) -> TypeGuard[str]:
    """A 6, 9 or 12-digit 区划代码 (district, street or township, community)."""
    return (
        isinstance(code, str)
        and code.isascii()
        and code.isdigit()
        and len(code) in REGION_CODE_LENGTHS
    )


@dataclass(frozen=True)
class Identity:
    """The caller of one request. `region` is the node its scope hangs from; "" (the whole
    tree) only for the `SERVICE` role. `role` None: nobody has logged in (anonymous)."""

    subject: str
    role: Role | None
    region: str

    @property
    def anonymous(self) -> bool:
        return self.role is None

    def covers(self, code: object) -> TypeGuard[str]:
        """Whether `code`, a well-formed region or community code, lies at or under this
        caller's node. Anything else (None, "", "4101%", padded, not text) is covered by
        nobody: a prefix test on it would widen the scope instead of narrowing it."""
        return (
            self.role is not None
            and isinstance(code, str)
            and is_region_code(code)
            and code.startswith(self.region)
        )

    def sees(self, code: object) -> bool:
        """Covers it, or it is an ancestor of the caller's node (the path down to it)."""
        return self.covers(code) or (
            self.role is not None
            and isinstance(code, str)
            and is_region_code(code)
            and self.region.startswith(code)
        )

    def narrow(self, code: object) -> str | None:
        """The part of the tree under `code` this caller may see, as one node: `code` itself
        when covered, the caller's own node when that lies under `code`, None when apart or
        when `code` is not a well-formed code."""
        if self.covers(code):
            return code
        if self.sees(code):
            return self.region
        return None

    def may_read_personal(self, code: str | None) -> bool:
        return self.role in PERSONAL_READERS and self.covers(code)


ANONYMOUS = Identity(subject="", role=None, region="")


def service_identity(name: str) -> Identity:
    """A process of the suite acting as itself (probes, composition, work outside requests):
    reads the whole tree, writes nothing."""
    return Identity(subject=f"service:{name}", role=Role.SERVICE, region="")


# The identity of the request being served; set by the /graphql guard, read by clients of
# other subgraphs so a service-to-service call carries the same caller.
_current: contextvars.ContextVar[Identity] = contextvars.ContextVar(
    "partygrid_identity", default=ANONYMOUS
)


def set_current(identity: Identity) -> contextvars.Token[Identity]:
    return _current.set(identity)


def reset_current(token: contextvars.Token[Identity]) -> None:
    _current.reset(token)


def current_identity() -> Identity:
    return _current.get()


def caller(info: Any) -> Identity:
    """The identity of a resolver's request (the guard put it in the context)."""
    identity: Identity = info.context.identity
    return identity


class ForbiddenError(GraphQLError):
    """A refusal for want of role or scope; nothing was read or written.

    `extensions.code` is FORBIDDEN; `reason` says which ("role" or "scope").
    """

    def __init__(self, reason: str, message: str, message_en: str) -> None:
        super().__init__(
            message, extensions={"code": "FORBIDDEN", "reason": reason, "messageEn": message_en}
        )


def require_role(
    identity: Identity, roles: Collection[Role], *, what_zh: str, what_en: str
) -> None:
    """Raise ForbiddenError unless the caller holds one of `roles`; the refusal says what was
    refused and the caller's role, each in its language (`what_zh`, e.g. "编辑网格")."""
    if identity.role not in roles:
        zh, en = NOT_SIGNED_IN if identity.role is None else ROLE_LABELS[identity.role]
        raise ForbiddenError(
            "role",
            f"当前角色（{zh}）无权{what_zh}",
            f"Your role ({en}) may not {what_en}",
        )


def require_scope(identity: Identity, code: str | None) -> None:
    """Raise ForbiddenError unless `code` lies under the caller's node."""
    if not identity.covers(code):
        raise ForbiddenError(
            "scope",
            # Never the code: it would tell a caller which community a foreign id is in.
            "超出管辖范围",
            "Outside your scope.",
        )


def require_found_in_scope(identity: Identity, code: str | None, unknown: Exception) -> None:
    """For a row found by an id the caller gave: outside the caller's scope, raise `unknown`,
    the very error an id that names nothing gets, so an id never tells where it lies (nor
    that it exists)."""
    if not identity.covers(code):
        raise unknown


def require_write(
    identity: Identity,
    roles: frozenset[Role],
    codes: list[str | None],
    *,
    what_zh: str,
    what_en: str,
) -> None:
    """A write: the right role, and every place it touches under the caller's node."""
    require_role(identity, roles, what_zh=what_zh, what_en=what_en)
    for code in codes:
        require_scope(identity, code)
