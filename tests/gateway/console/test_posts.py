"""A community's posts and volunteer teams page (issue 16): the forms write through the org
mutations (read back from the graph, asked apart), a refused write shows the typed Chinese
error beside the field it names and writes nothing, markup in a name comes back as text, and
only the org writers see a form.

Writes go to 410104004001 as the district: the org service's own tests found volunteer teams
there too, and no test reads its teams or posts against the demo model. A team cannot be
dissolved through the graph, so the founded one stays (emptied); a claimed post is released.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import httpx
from console_client import SignIn, csrf_of
from markupsafe import escape

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role
from stack import Running

CODE = "410104004001"
PAGE = f"/console/community/{CODE}/posts"
# The graph asked apart (a bearer token of another subject with the district's role).
DISTRICT = Identity("test-district", Role.DISTRICT, "410104")
TODAY = dt.date.today().isoformat()
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()

TEAMS = """query ($c: String!) { volunteerTeams(communityCode: $c) { id name
  members(first: 200) { nodes { id } } } }"""
FIRST_MEMBERS = """query ($c: String!) { members(filter: { regionCode: $c }, first: 2) {
  nodes { id name posts { id title claimedOn } } } }"""
MEMBER_POSTS = "query ($id: ID!) { member(id: $id) { posts { id kind title } } }"
CREATE_TEAM = """mutation ($c: String!, $name: String!) { createVolunteerTeam(communityCode: $c,
  name: $name) { volunteerTeam { id } errors { message field } } }"""
CLAIM = """mutation ($m: ID!, $on: Date!) { claimPost(memberId: $m, kind: VOLUNTEER, title: "岗",
  claimedOn: $on) { post { id } errors { message field } } }"""
RELEASE = """mutation ($p: ID!, $on: Date!) { releasePost(postId: $p, releasedOn: $on) {
  post { id } errors { message field } } }"""


def ask(running: Running, query: str, variables: dict[str, Any]) -> dict:
    body = running.post(running.gateway, query, variables, identity=DISTRICT)
    assert not body.get("errors"), body
    return body["data"]


def teams(running: Running) -> dict[str, dict]:
    return {t["id"]: t for t in ask(running, TEAMS, {"c": CODE})["volunteerTeams"]}


def post(client: httpx.Client, site: str, path: str, fields: dict[str, str]) -> httpx.Response:
    token = csrf_of(client.get("/console").text)  # one token per user, on every page
    return client.post(
        PAGE + path,
        data={**fields, "csrf": token},
        headers={"origin": site},
        follow_redirects=False,
    )


def error_beside(page: str, field: str) -> str:
    """The error shown beside the form field `field` (its input says so, aria-describedby)."""
    anchor = field.replace(".", "-")
    assert re.search(
        rf'id="f-{re.escape(anchor)}"[^>]*aria-invalid="true" aria-describedby="err-{re.escape(anchor)}"',
        page,
    ), f"{field} is not marked invalid"
    found = re.search(
        rf'<span class="field-error" id="err-{re.escape(anchor)}"[^>]*>([^<]*)</span>', page
    )
    assert found, f"no error beside {field}"
    return html.unescape(found.group(1))


def test_a_team_is_founded_filled_and_emptied_through_the_forms(
    signed_in: SignIn, running: Running, site: str
) -> None:
    client = signed_in("demo-district")
    # A name with markup: it must come back as text, everywhere the page shows it.
    name = f'服务队<script>alert(1)</script>"><img src=x>{uuid.uuid4().hex[:6]}'
    before = teams(running)
    founded = post(client, site, "/teams", {"team.name": name})
    assert founded.status_code == 303, founded.text
    assert (
        founded.headers["location"].startswith(PAGE) and "done=team" in founded.headers["location"]
    )
    (team,) = [t for i, t in teams(running).items() if i not in before]
    assert team["name"] == name and team["members"]["nodes"] == []

    page = client.get(founded.headers["location"]).text
    assert str(escape(name)) in page  # as text: &lt;script&gt;, &#34;&gt;&lt;img
    assert "<script>alert(1)" not in page and '"><img src=x>' not in page
    assert 'data-team="' + team["id"] + '"' in page

    member = ask(running, FIRST_MEMBERS, {"c": CODE})["members"]["nodes"][0]
    key = f"team-{team['id']}"
    added = post(
        client, site, "/teams/add", {"teamId": team["id"], f"{key}.memberId": member["id"]}
    )
    assert added.status_code == 303, added.text
    assert teams(running)[team["id"]]["members"]["nodes"] == [{"id": member["id"]}]
    assert f'data-volunteer="{member["id"]}"' in client.get(PAGE).text

    removed = post(client, site, "/teams/remove", {"teamId": team["id"], "memberId": member["id"]})
    assert removed.status_code == 303, removed.text
    assert teams(running)[team["id"]]["members"]["nodes"] == []


def test_a_post_is_claimed_and_released_through_the_forms(
    signed_in: SignIn, running: Running, site: str
) -> None:
    client = signed_in("demo-district")
    member = ask(running, FIRST_MEMBERS, {"c": CODE})["members"]["nodes"][0]
    title = f"楼道清洁<b>岗</b>{uuid.uuid4().hex[:6]}"
    held = {p["id"] for p in member["posts"]}
    fields = {
        "claim.memberId": member["id"],
        "claim.kind": "VOLUNTEER",
        "claim.title": title,
        "claim.claimedOn": TODAY,
    }
    claimed = post(client, site, "/claim", fields)
    assert claimed.status_code == 303, claimed.text
    posts = ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"]
    (new,) = [p for p in posts if p["id"] not in held]
    assert (new["kind"], new["title"]) == ("VOLUNTEER", title)
    page = client.get(PAGE).text
    assert f'data-post="{new["id"]}"' in page and str(escape(title)) in page

    released = post(
        client, site, "/release", {"postId": new["id"], f"post-{new['id']}.releasedOn": TODAY}
    )
    assert released.status_code == 303, released.text
    after = ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"]
    assert {p["id"] for p in after} == held  # as it was


def test_a_refused_write_shows_the_typed_error_beside_its_field_and_writes_nothing(
    signed_in: SignIn, running: Running, site: str
) -> None:
    client = signed_in("demo-district")
    before = teams(running)
    # The graph's own refusal of the same input (it writes nothing either).
    expected = ask(running, CREATE_TEAM, {"c": CODE, "name": "   "})["createVolunteerTeam"]
    assert expected["errors"][0]["field"] == ["name"]
    refused = post(client, site, "/teams", {"team.name": "   "})
    assert refused.status_code == 422
    assert error_beside(refused.text, "team.name") == expected["errors"][0]["message"]
    assert teams(running) == before

    member = ask(running, FIRST_MEMBERS, {"c": CODE})["members"]["nodes"][0]
    expected = ask(running, CLAIM, {"m": member["id"], "on": FUTURE})["claimPost"]
    assert expected["errors"][0]["field"] == ["claimedOn"]
    fields = {
        "claim.memberId": member["id"],
        "claim.kind": "VOLUNTEER",
        "claim.title": "岗",
        "claim.claimedOn": FUTURE,
    }
    refused = post(client, site, "/claim", fields)
    assert refused.status_code == 422
    assert error_beside(refused.text, "claim.claimedOn") == expected["errors"][0]["message"]
    assert 'value="岗"' in refused.text  # what was typed stays in the form
    posts = ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"]
    assert {p["id"] for p in posts} == {p["id"] for p in member["posts"]}

    held = member["posts"][0]
    refused = post(
        client,
        site,
        "/release",
        {"postId": held["id"], f"post-{held['id']}.releasedOn": "2000-01-01"},
    )
    assert refused.status_code == 422
    expected = ask(running, RELEASE, {"p": held["id"], "on": "2000-01-01"})["releasePost"]
    assert expected["errors"][0]["field"] == ["releasedOn"]
    assert (
        error_beside(refused.text, f"post-{held['id']}.releasedOn")
        == (expected["errors"][0]["message"])
    )
    posts = ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"]
    assert held["id"] in {p["id"] for p in posts}


def _write_forms(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', page)


def test_only_org_writers_see_forms_and_the_service_refuses_the_others(
    signed_in: SignIn, running: Running, site: str
) -> None:
    for username in ("demo-viewer", "demo-planner"):
        client = signed_in(username)
        for path in (PAGE, f"/console/community/{CODE}"):
            answer = client.get(path)
            assert answer.status_code == 200
            assert _write_forms(answer.text) == ["/session/logout"], (username, path)
    # The secretary on its own community sees every form.
    secretary = signed_in("demo-secretary").get("/console/community/410104001001/posts").text
    actions = set(_write_forms(secretary))
    base = "/console/community/410104001001/posts"
    assert {
        base + p for p in ("/claim", "/release", "/teams", "/teams/add", "/teams/remove")
    } <= actions
    # A viewer's post anyway: refused by the org subgraph (its typed refusal), nothing written.
    before = teams(running)
    refused = post(
        signed_in("demo-viewer"), site, "/teams", {"team.name": "服务队" + uuid.uuid4().hex[:6]}
    )
    assert refused.status_code == 422
    assert "只读用户" in refused.text
    assert teams(running) == before


VIEWER = Identity("test-viewer", Role.VIEWER, "410104")  # as demo-viewer
COMMUNITIES = 'query { communities(regionCode: "410104") { code } }'


def form_errors(page: str) -> list[str]:
    """The messages of the page's whole-form error lists."""
    lists = re.findall(r'<div class="form-errors" role="alert">.*?<ul>(.*?)</ul>', page, re.S)
    return [html.unescape(m) for block in lists for m in re.findall(r"<li>(.*?)</li>", block)]


def _member_elsewhere(running: Running) -> dict:
    """A member of another community of the district than the page's."""
    for place in ask(running, COMMUNITIES, {})["communities"]:
        if place["code"] != CODE:
            found = ask(running, FIRST_MEMBERS, {"c": place["code"]})["members"]["nodes"]
            if found:
                return found[0]
    raise AssertionError("the demo district has members in another community")


def test_a_member_of_another_community_is_refused_beside_the_member_and_nothing_written(
    signed_in: SignIn, running: Running, site: str
) -> None:
    # The org service would let the district claim a post for anyone in its district: the
    # page of one community offers only its members, and the posted id is checked against it.
    stranger = _member_elsewhere(running)
    before = ask(running, MEMBER_POSTS, {"id": stranger["id"]})["member"]["posts"]
    fields = {
        "claim.memberId": stranger["id"],
        "claim.kind": "VOLUNTEER",
        "claim.title": "岗",
        "claim.claimedOn": TODAY,
    }
    try:
        refused = post(signed_in("demo-district"), site, "/claim", fields)
        assert refused.status_code == 422
        expected = LABELS["zh"]["form_not_offered"]
        assert error_beside(refused.text, "claim.memberId") == expected
    finally:  # on a page that wrote it anyway, undo it (never on this one)
        after = ask(running, MEMBER_POSTS, {"id": stranger["id"]})["member"]["posts"]
        for extra in [p for p in after if p not in before]:
            ask(running, RELEASE, {"p": extra["id"], "on": TODAY})
    assert after == before
    # Nor is a volunteer added to a team of this community from another one.
    team = next(iter(teams(running).values()), None)
    if team is not None:
        key = f"team-{team['id']}"
        refused = post(
            signed_in("demo-district"),
            site,
            "/teams/add",
            {"teamId": team["id"], f"{key}.memberId": stranger["id"]},
        )
        assert refused.status_code == 422
        assert error_beside(refused.text, f"{key}.memberId") == LABELS["zh"]["form_not_offered"]
        assert teams(running)[team["id"]] == team


def test_a_viewers_post_shows_the_services_refusal_text(
    signed_in: SignIn, running: Running, site: str
) -> None:
    member = ask(running, FIRST_MEMBERS, {"c": CODE})["members"]["nodes"][0]
    before = ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"]
    body = running.post(running.gateway, CLAIM, {"m": member["id"], "on": TODAY}, identity=VIEWER)
    expected = body["errors"][0]["message"]
    refused = post(
        signed_in("demo-viewer"),
        site,
        "/claim",
        {
            "claim.memberId": member["id"],
            "claim.kind": "VOLUNTEER",
            "claim.title": "岗",
            "claim.claimedOn": TODAY,
        },
    )
    assert refused.status_code == 422
    assert expected in form_errors(refused.text)
    assert ask(running, MEMBER_POSTS, {"id": member["id"]})["member"]["posts"] == before
