"""`/console/community/<code>/posts`: posts members hold (明岗定责: claimPost, releasePost) and
the community's Party member volunteer teams (createVolunteerTeam, addVolunteer,
removeVolunteer).

Everyone in scope reads it; the forms are shown to the org writers only (the org subgraph
decides every write). Members are listed a graph page at a time, filtered by name; the
claim and add-volunteer forms offer the members of the page shown. A write that goes through
leads back to the page (303); a refused one shows the page again with each typed error beside
the field it names, in the form that was sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, WriteResult
from gateway.console.nav import COMMUNITY
from gateway.console.page import Page, console_route
from gateway.console.pages.community_reads import ORGANIZATIONS, listing
from gateway.console.pages.members import is_member_of
from gateway.console.permissions import may

MEMBERS_PER_PAGE = 50
TEAM_MEMBERS = 200  # a team's volunteers shown (the graph's largest page)
BASE = COMMUNITY + "/{code}/posts"

POST_FIELDS = "id kind title claimedOn organization { id name }"
TEAM_FIELDS = (
    "id name foundedOn organization { id name } "
    f"members(first: {TEAM_MEMBERS}) {{ totalCount nodes {{ id name management }} }} "
    "managementMix { self nonSelf joint isJoint }"
)
PAGE = f"""query ConsolePosts($code: String!, $name: String, $after: String) {{
  community(code: $code) {{ code name nameEn }}
  members(filter: {{ regionCode: $code, nameContains: $name }}, first: {MEMBERS_PER_PAGE},
          after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ id name management posts {{ {POST_FIELDS} }} }}
  }}
  volunteerTeams(communityCode: $code) {{ {TEAM_FIELDS} }}
}}"""

CLAIM = f"""mutation ConsoleClaimPost($memberId: ID!, $kind: PostKind!, $title: String!,
    $claimedOn: Date!, $organizationId: ID) {{
  claimPost(memberId: $memberId, kind: $kind, title: $title, claimedOn: $claimedOn,
            organizationId: $organizationId) {{ post {{ id }} {ERRORS} }}
}}"""
RELEASE = f"""mutation ConsoleReleasePost($postId: ID!, $releasedOn: Date!) {{
  releasePost(postId: $postId, releasedOn: $releasedOn) {{ post {{ id }} {ERRORS} }}
}}"""
CREATE_TEAM = f"""mutation ConsoleCreateTeam($communityCode: String!, $name: String!,
    $organizationId: ID, $foundedOn: Date) {{
  createVolunteerTeam(communityCode: $communityCode, name: $name,
                      organizationId: $organizationId, foundedOn: $foundedOn) {{
    volunteerTeam {{ id }} {ERRORS} }}
}}"""
ADD_VOLUNTEER = f"""mutation ConsoleAddVolunteer($teamId: ID!, $memberId: ID!, $joinedOn: Date) {{
  addVolunteer(teamId: $teamId, memberId: $memberId, joinedOn: $joinedOn) {{
    volunteerTeam {{ id }} {ERRORS} }}
}}"""
REMOVE_VOLUNTEER = f"""mutation ConsoleRemoveVolunteer($teamId: ID!, $memberId: ID!) {{
  removeVolunteer(teamId: $teamId, memberId: $memberId) {{ volunteerTeam {{ id }} {ERRORS} }}
}}"""

POST_KINDS = ("JOB", "GRID_MANAGEMENT", "VOLUNTEER")  # the graph's PostKind, in its order


@dataclass(frozen=True)
class Failed:
    """A refused form: which one (its key on the page), its errors and what was posted."""

    form: str
    result: WriteResult
    values: dict[str, str]


def _optional(value: str) -> str | None:
    return value.strip() or None


async def posts_page(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _render(page, code, None)


@dataclass(frozen=True)
class Offer:
    """What the page offers a writer to pick, by id: the members of the page shown, their
    posts, the community's teams with their volunteers, its organizations. A posted id is
    checked against it, so a form of community A never writes to community B (a posted
    member, picked from a list that may have moved since, is asked of the graph instead:
    `Form.member_field`)."""

    members: set[str]
    posts: set[str]
    volunteers: dict[str, set[str]]  # team id -> its volunteers' ids
    organizations: set[str]


async def _page_data(page: Page, code: str, writer: bool) -> tuple[Any, list[dict[str, Any]]]:
    """The page's read as the posted (or asked) name filter and page give it."""
    params = page.form if page.form is not None else page.request.query_params
    name = str(params.get("q") or "").strip()
    after = str(params.get("after") or "") or None
    return await asyncio.gather(
        page.ask(PAGE, {"code": code, "name": name or None, "after": after}),
        _organizations(page, code, writer),
    )


def _offer(answer: Any, organizations: list[dict[str, Any]]) -> Offer:
    nodes = (answer.data.get("members") or {}).get("nodes") or []
    teams = answer.data.get("volunteerTeams") or []
    return Offer(
        members={m["id"] for m in nodes},
        posts={p["id"] for m in nodes for p in m["posts"]},
        volunteers={t["id"]: {v["id"] for v in t["members"]["nodes"]} for t in teams},
        organizations={o["id"] for o in organizations},
    )


def _shown_forms(offer: Offer) -> set[str]:
    """The keys of the forms a writer is shown (as posts.html draws them)."""
    return {
        "team",
        *(f"team-{team}" for team in offer.volunteers),
        *(f"post-{post}" for post in offer.posts),
        *(["claim"] if offer.members else []),
    }


async def _render(page: Page, code: str, failed: Failed | None) -> Response:
    params = page.form if page.form is not None else page.request.query_params
    name = str(params.get("q") or "").strip()
    after = str(params.get("after") or "") or None
    writer = may(page.identity, "org")
    answer, organizations = await _page_data(page, code, writer)
    place = answer.need("community", page)
    members = answer.need("members", page)
    teams = answer.data.get("volunteerTeams") or []
    done = page.request.query_params.get("done", "")
    # A refusal of a form the page does not show (a viewer posting anyway, a post released
    # meanwhile) is shown at the top, never lost.
    unplaced = None
    if failed is not None and (
        not writer or failed.form not in _shown_forms(_offer(answer, organizations))
    ):
        unplaced, failed = failed.result.placed(()), None
    return page.render(
        "community/posts.html",
        status=422 if failed is not None or unplaced is not None else 200,
        community=place,
        code=code,
        members=members,
        teams=teams,
        organizations=organizations,
        writer=writer,
        q=name,
        after=after or "",
        next_after=members["pageInfo"]["endCursor"] if members["pageInfo"]["hasNextPage"] else None,
        post_kinds=POST_KINDS,
        today=dt.date.today().isoformat(),
        failed=failed,
        unplaced=unplaced,
        done=f"posts_done_{done}" if done in _DONE else "",
    )


_DONE = ("claim", "release", "team", "add", "remove")


async def _organizations(page: Page, code: str, writer: bool) -> list[dict[str, Any]]:
    """The community's organizations a post or team may name: for the forms only."""
    if not writer:
        return []
    return (await listing(page, ORGANIZATIONS, {"code": code}, "organizations")).nodes


@dataclass(frozen=True)
class Form:
    """One form of the page: its key (field names are `key.field`), the mutation arguments
    it has fields for, the word shown after it went through, and which posted ids must be
    among those the page offers (`offered(offer)`: the mutation argument of each id that is
    not)."""

    key: str
    fields: tuple[str, ...]
    done: str
    offered: Callable[[Offer], list[str]] = lambda offer: []
    # The posted field naming a member that must be one of this community's, checked with
    # the graph (the page it was picked from may have moved since it was shown).
    member_field: str | None = None


async def _write(
    page: Page, form: Form, mutation: str, variables: dict[str, Any], payload: str
) -> Response:
    """Send one form's mutation: back to the page on success, else the page again with the
    errors in that form. An id the page did not offer is refused beside its field first."""
    code = page.community(page.request.path_params["code"])
    bad: list[str] = []
    if may(page.identity, "org"):  # any other caller gets the service's own refusal
        answer, organizations = await _page_data(page, code, True)
        answer.need("members", page)
        bad = form.offered(_offer(answer, organizations))
        member = page.field(form.member_field) if form.member_field else ""
        if member.strip() and not await is_member_of(page, member, code):
            bad.append("memberId")
    if bad:
        result = WriteResult(None, {name: [page.t("form_not_offered")] for name in bad})
    else:
        result = await page.write(mutation, variables, payload)
    if result.ok:
        q, after = page.field("q"), page.field("after")
        return page.redirect(BASE.format(code=code), q=q, after=after, done=form.done)
    values = {k: v for k, v in (page.form or {}).items() if isinstance(v, str)}
    placed = result.placed(form.fields, prefix=form.key)
    return await _render(page, code, Failed(form.key, placed, values))


def _not_offered(*picks: tuple[str, str, set[str]]) -> list[str]:
    """The arguments whose posted id (blank: none chosen, for the service to judge) is not
    among the ids the page offers for it."""
    return [name for name, value, offered in picks if value.strip() and value not in offered]


async def claim(page: Page) -> Response:
    return await _write(
        page,
        Form(
            "claim",
            ("memberId", "kind", "title", "claimedOn", "organizationId"),
            "claim",
            lambda offer: _not_offered(
                ("organizationId", page.field("claim.organizationId"), offer.organizations),
            ),
            member_field="claim.memberId",
        ),
        CLAIM,
        {
            "memberId": page.field("claim.memberId"),
            "kind": page.field("claim.kind"),
            "title": page.field("claim.title"),
            "claimedOn": page.field("claim.claimedOn"),
            "organizationId": _optional(page.field("claim.organizationId")),
        },
        payload="claimPost",
    )


async def release(page: Page) -> Response:
    post_id = page.field("postId")
    return await _write(
        page,
        Form(
            f"post-{post_id}",
            ("releasedOn",),
            "release",
            lambda offer: _not_offered(("postId", post_id, offer.posts)),
        ),
        RELEASE,
        {"postId": post_id, "releasedOn": page.field(f"post-{post_id}.releasedOn")},
        payload="releasePost",
    )


async def create_team(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _write(
        page,
        Form(
            "team",
            ("name", "organizationId", "foundedOn"),
            "team",
            lambda offer: _not_offered(
                ("organizationId", page.field("team.organizationId"), offer.organizations)
            ),
        ),
        CREATE_TEAM,
        {
            "communityCode": code,
            "name": page.field("team.name"),
            "organizationId": _optional(page.field("team.organizationId")),
            "foundedOn": _optional(page.field("team.foundedOn")),
        },
        payload="createVolunteerTeam",
    )


async def add_volunteer(page: Page) -> Response:
    team_id = page.field("teamId")
    form = f"team-{team_id}"
    return await _write(
        page,
        Form(
            form,
            ("memberId", "joinedOn"),
            "add",
            lambda offer: _not_offered(("teamId", team_id, set(offer.volunteers))),
            member_field=f"{form}.memberId",
        ),
        ADD_VOLUNTEER,
        {
            "teamId": team_id,
            "memberId": page.field(f"{form}.memberId"),
            "joinedOn": _optional(page.field(f"{form}.joinedOn")),
        },
        payload="addVolunteer",
    )


async def remove_volunteer(page: Page) -> Response:
    team_id = page.field("teamId")
    return await _write(
        page,
        Form(
            f"team-{team_id}",
            (),
            "remove",
            lambda offer: _not_offered(
                ("teamId", team_id, set(offer.volunteers)),
                ("memberId", page.field("memberId"), offer.volunteers.get(team_id, set())),
            ),
        ),
        REMOVE_VOLUNTEER,
        {"teamId": team_id, "memberId": page.field("memberId")},
        payload="removeVolunteer",
    )


ROUTES = [
    console_route(BASE, posts_page),
    console_route(BASE + "/claim", claim, methods=("POST",)),
    console_route(BASE + "/release", release, methods=("POST",)),
    console_route(BASE + "/teams", create_team, methods=("POST",)),
    console_route(BASE + "/teams/add", add_volunteer, methods=("POST",)),
    console_route(BASE + "/teams/remove", remove_volunteer, methods=("POST",)),
]
