"""The auth subgraph: `login`, `refresh` and `viewer`, composed into the supergraph like the
services' subgraphs and served by the gateway in-process (see `app.py`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from enum import Enum

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from gateway.auth import sessions
from gateway.auth.client import client_address
from gateway.auth.context import Info
from gateway.auth.sessions import Session, SessionRefusedError
from gateway.auth.users import UserInputError
from services.common.auth import USER_ROLES, Identity, caller, require_role
from services.common.documents import document_caches


@strawberry.enum(description="A user's role; each user is scoped to one node of the region tree.")
class UserRole(Enum):
    DISTRICT = "district"  # 区委组织部
    STREET = "street"  # 办事处/乡 党(工)委
    SECRETARY = "secretary"  # 社区党组织书记
    PLANNER = "planner"  # 网格规划员
    VIEWER = "viewer"  # read only


@strawberry.federation.type(keys=[Key(fields=FieldSet("code"), resolvable=False)])
class Region:
    """A node of the region tree (the org subgraph resolves its fields)."""

    code: str


@strawberry.type(description="Who is calling.")
class Viewer:
    username: str
    role: UserRole
    region_code: str = strawberry.field(
        description="The region node (6, 9 or 12-digit 区划代码) the caller sees and acts under."
    )

    @strawberry.field(description="That region node, with its name (from org).")
    def region(self) -> Region:
        return Region(code=self.region_code)

    @classmethod
    def of(cls, identity: Identity) -> Viewer:
        assert identity.role is not None
        return cls(
            username=identity.subject,
            role=UserRole(identity.role.value),
            region_code=identity.region,
        )


@strawberry.type(description="A token pair: send `accessToken` as `Authorization: Bearer`.")
class AuthSession:
    access_token: str
    token_type: str = strawberry.field(description='Always "Bearer".')
    expires_at: dt.datetime = strawberry.field(description="When the access token expires.")
    refresh_token: str = strawberry.field(description="Good for one `refresh`.")
    refresh_expires_at: dt.datetime
    viewer: Viewer

    @classmethod
    def of(cls, session: Session) -> AuthSession:
        return cls(
            access_token=session.access.token,
            token_type="Bearer",
            expires_at=session.access.expires_at,
            refresh_token=session.refresh_token,
            refresh_expires_at=session.refresh_expires_at,
            viewer=Viewer.of(session.user.identity),
        )


@strawberry.enum(description="Why a login or refresh was refused.")
class AuthErrorCode(Enum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    UNAVAILABLE = "UNAVAILABLE"  # logins are not configured (no access token key)
    INVALID_PASSWORD = "INVALID_PASSWORD"  # a new password the policy refuses


@strawberry.type(description="A refused login or refresh, in Chinese and English.")
class AuthError:
    code: AuthErrorCode
    message: str = strawberry.field(description="Chinese (zh-CN).")
    message_en: str


@strawberry.type(description="A new session, or why there is none.")
class AuthPayload:
    session: AuthSession | None = None
    errors: list[AuthError] = strawberry.field(default_factory=list)


def _refused(code: str, message: str, message_en: str) -> AuthPayload:
    return AuthPayload(
        errors=[AuthError(code=AuthErrorCode(code), message=message, message_en=message_en)]
    )


_UNAVAILABLE = ("UNAVAILABLE", "登录功能未配置", "Logins are not configured on this gateway.")


@strawberry.type
class Query:
    @strawberry.field(description="The caller, or null when nobody has logged in.")
    def viewer(self, info: Info) -> Viewer | None:
        identity = caller(info)
        return Viewer.of(identity) if identity.role in USER_ROLES else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Log in: a short-lived access token and a refresh token.")
    async def login(self, info: Info, username: str, password: str) -> AuthPayload:
        access = info.context.access_tokens
        if access is None:
            return _refused(*_UNAVAILABLE)
        return await _session(
            info,
            lambda conn: sessions.login(
                conn,
                username=username,
                password=password,
                access=access,
                refresh_ttl=info.context.refresh_ttl,
                throttle=info.context.throttle,
                client=_client(info),
            ),
        )

    @strawberry.mutation(
        description="Change the signed-in user's password: every other session of the user"
        " ends; the answer is a new session for this caller. Throttled like `login`."
    )
    async def change_password(self, info: Info, current: str, new: str) -> AuthPayload:
        identity = caller(info)
        require_role(
            identity,
            USER_ROLES,
            what_zh="修改密码（请先登录）",
            what_en="change a password (sign in first)",
        )
        access = info.context.access_tokens
        if access is None:
            return _refused(*_UNAVAILABLE)
        return await _session(
            info,
            lambda conn: sessions.change_password(
                conn,
                username=identity.subject,
                current=current,
                new=new,
                access=access,
                refresh_ttl=info.context.refresh_ttl,
                throttle=info.context.throttle,
                # The caller is signed in: its guesses count against its account, not its
                # network address (which it may share with colleagues behind one NAT).
                client=f"user:{identity.subject}",
            ),
        )

    @strawberry.mutation(description="Trade a refresh token (once) for a new token pair.")
    async def refresh(self, info: Info, token: str) -> AuthPayload:
        access = info.context.access_tokens
        if access is None:
            return _refused(*_UNAVAILABLE)
        return await _session(
            info,
            lambda conn: sessions.refresh(
                conn, token=token, access=access, refresh_ttl=info.context.refresh_ttl
            ),
        )


def _client(info: Info) -> str:
    return client_address(info.context.request.scope.get("client"))


async def _session(
    info: Info, open_session: Callable[[AsyncConnection], Awaitable[Session]]
) -> AuthPayload:
    # A refusal commits too: revoking a reused refresh token must survive the refusal.
    async with info.context.engine.begin() as conn:
        try:
            session = await open_session(conn)
        except SessionRefusedError as refused:
            return _refused(refused.code, refused.message, refused.message_en)
        except UserInputError as refused:
            # set_password checks the policy before it writes: nothing changed.
            return _refused("INVALID_PASSWORD", refused.message, refused.message_en)
    return AuthPayload(session=AuthSession.of(session))


schema = strawberry.federation.Schema(
    query=Query,
    mutation=Mutation,
    federation_version="2.9",
    extensions=document_caches(),
)
