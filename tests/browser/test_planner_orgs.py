"""Party groups and branches on the planner page (issue 15, items 3 and 7), in a real browser.

Expectations come from the demo data: which groups and branches a community has, the order
the page's own zh-CN collation gives their names, and the coverage a zone without its Party
group leaves. Every test leaves the grid and org as it found them.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from browser_pages import Visit
from playwright.sync_api import Page
from test_planner_page import (
    commit_and_wait,
    console_errors,
    coverage_text,
    open_planner,
    planner_of,
    wait_idle,
)

from gateway.maps.planner_labels import planner_labels
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo
from stack import DISTRICT, Running

T = planner_labels(None)
ZONE_ORG = "query ($id: ID!) { zone(id: $id) { version organization { id name } } }"
DISSOLVE = """mutation ($id: ID!) { dissolveOrganization(id: $id) {
  organization { id } errors { code } } }"""


def _names(demo: Demo, code: str, kind: str) -> list[str]:
    return [o.name for o in demo.organizations if o.community_code == code and o.kind == kind]


def _most_groups(demo: Demo) -> str:
    counts = Counter(o.community_code for o in demo.organizations if o.kind == "party_group")
    return max(counts, key=lambda code: (counts[code], code))


NUMERALS = re.compile("[0-9〇零一二两三四五六七八九十百千万]+")
DIGITS = "〇一二三四五六七八九"


def _value(run: str) -> int:
    """A run of numerals as grid's natural_key reads it (一〇二 is 102, 一百零五 is 105)."""
    if run.isascii():
        return int(run[:12])
    if not set(run) & set("十百千万"):
        value = 0
        for ch in run[:12]:
            value = value * 10 + (0 if ch == "零" else 2 if ch == "两" else DIGITS.index(ch))
        return value
    value = section = digit = 0
    for ch in run:
        if ch in "十百千":
            section += max(digit, 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = 0
        elif ch == "万":
            value, section, digit = value + (section + digit) * 10000, 0, 0
        else:
            digit = 2 if ch == "两" else 0 if ch == "零" else DIGITS.index(ch)
    return value + section + digit


def _collated(page: Page, names: list[str]) -> list[str]:
    """Names as people read them (the page's rule, review item 14): the words by the
    browser's zh-CN collation, the numbers in them by value (1号院 before 10号院)."""
    masked = [NUMERALS.sub("#", n) for n in names]
    ranks = page.evaluate(
        """(names) => { const c = new Intl.Collator('zh-CN'), u = [...new Set(names)].sort(c.compare);
             return names.map((n) => u.indexOf(n)); }""",
        masked,
    )
    keyed = [
        (r, [_value(x) for x in NUMERALS.findall(n)], n) for r, n in zip(ranks, names, strict=True)
    ]
    return [n for *_, n in sorted(keyed)]


def _listed(page: Page, select: str) -> list[str]:
    """The names a list box shows (less its "none" entry)."""
    return page.evaluate(
        """(id) => Array.from(document.getElementById(id).options)
             .filter((o) => o.value !== '').map((o) => o.textContent)""",
        select,
    )


def test_the_group_list_holds_every_group_sorted_and_searchable(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path
) -> None:
    code = _most_groups(demo)
    groups = _names(demo, code, "party_group")
    assert len(groups) > 200, "the demo's largest community should hold more than one page"
    seen = open_planner(visit, code)
    page = seen.page
    page.locator("input[name=planner-mode][value=groups]").check()
    assert _listed(page, "planner-group") == _collated(page, groups)
    # Type to filter: only the groups whose names hold the text, still sorted.
    text = "10号楼"
    wanted = [n for n in groups if text in n]
    assert 0 < len(wanted) < len(groups)
    search = page.locator("#planner-group-search")
    search.fill(text)
    assert _listed(page, "planner-group") == _collated(page, wanted)
    assert page.locator("#planner-group-count").inner_text() == T["shown_of"].format(
        n=len(wanted), total=len(groups)
    )
    # By keyboard: Enter takes the first match; the arrow keys then move down the list.
    search.press("Enter")
    first, second = _collated(page, wanted)[:2]
    chosen = "() => { const s = document.getElementById('planner-group'); " \
        "return s.options[s.selectedIndex].textContent; }"  # fmt: skip
    assert page.evaluate(chosen) == first
    search.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(chosen) == second
    # A filter that hides the chosen group does not change the choice.
    search.fill("没有这样的党小组")
    assert page.evaluate(chosen) == second
    page.screenshot(path=screenshots / "planner-groups.png")
    # The zones' grid branches: the same kind of list.
    branches = _names(demo, code, "grid_branch")
    assert _listed(page, "planner-branch") == _collated(page, branches)
    assert console_errors(seen) == []


def _zone_gaps(demo: Demo, code: str, without: uuid.UUID | None) -> Counter[str]:
    """Coverage states of a 党支部 community's buildings (a building is covered by its zone's
    Party group, plan 二 "党小组建在片区"), with one zone's group taken away."""
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id and o.zone_id != without}
    zones = [z for z in demo.zones if z.community_code == code]
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    counts: Counter[str] = Counter()
    for b in (b for b in demo.buildings if b.community_code == code):
        point = b.footprint.representative_point()
        hits = [z.id for z in zones if z.boundary.covers(point)]
        if not hits:
            counts["orphan"] += 1
        elif b.id in grouped or hits[0] in zone_org:
            counts["covered"] += 1
        else:
            counts["gap_members" if residents[b.id] else "gap"] += 1
    return counts


def _share(counts: Counter[str]) -> str:
    """The covered buildings of all, as the panel shows them (its percentage is the graph's,
    rounded there)."""
    return f"({counts['covered']}/{sum(counts.values())})"


def test_a_planner_sets_a_zones_party_group_from_the_list(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    screenshots: Path,
    restore: Callable[[str], None],
) -> None:
    # A 党支部 community: its zones hold Party groups, and coverage follows them.
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    zone_org = {o.zone_id: o for o in demo.organizations if o.zone_id}
    zone = next(
        z
        for z in sorted(demo.zones, key=lambda z: z.name)
        if kinds[z.community_code] == BRANCH
        and z.id in zone_org
        and _zone_gaps(demo, z.community_code, z.id) != _zone_gaps(demo, z.community_code, None)
    )
    code = zone.community_code
    other = next(
        o
        for o in sorted(demo.organizations, key=lambda o: o.name)
        if o.community_code == code and o.kind == "party_group" and o.id != zone_org[zone.id].id
    )
    restore(code)
    before, after = _zone_gaps(demo, code, None), _zone_gaps(demo, code, zone.id)
    seen = open_planner(visit, code)
    page = seen.page
    assert page.locator("#planner-zone-branch-title").inner_text() == T["zone_group"]
    page.locator("#planner-branch-zone").select_option(str(zone.id))
    assert page.locator("#planner-branch-current").inner_text() == zone_org[zone.id].name
    weight = "(id) => window.__pgPlanner.zoneLayer(id).options.weight"
    assert page.evaluate(weight, str(zone.id)) == 5  # the picked zone stands out on the map
    # None: the zone loses its group and its buildings become gaps.
    page.locator("#planner-branch").select_option("")
    page.locator("#planner-branch-preview").click()
    wait_idle(page)
    assert page.evaluate("window.__pgPlanner.pending.op") == "assignZone"
    cells = page.locator("#planner-diff-coverage tr[data-figure=zonesWithoutOrganization] td")
    assert int(cells.nth(2).inner_text()) == int(cells.nth(1).inner_text()) + 1
    commit_and_wait(page)
    assert _share(after) in coverage_text(page)
    # Another group of the community, found by typing part of its name.
    page.locator("#planner-branch-search").fill(other.name)
    page.locator("#planner-branch-search").press("Enter")
    page.locator("#planner-branch-preview").click()
    wait_idle(page)
    page.screenshot(path=screenshots / "planner-zone-branch.png")
    commit_and_wait(page)
    assert _share(before) in coverage_text(page)
    assert page.locator("#planner-branch-current").inner_text() == other.name
    now = running.post(running.gateway, ZONE_ORG, {"id": str(zone.id)})["data"]["zone"]
    assert now["organization"]["id"] == str(other.id)
    assert console_errors(seen) == []


def test_the_district_creates_a_group_and_a_planner_reads_who_may(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    code = _most_groups(demo)
    branch = sorted(_names(demo, code, "grid_branch"))[0]
    name = f"规划页新建党小组{uuid.uuid4().hex[:6]}"
    created: list[str] = []
    try:
        seen = visit(f"/maps/planner/{code}", identity=DISTRICT)
        page = seen.page
        page.wait_for_function("() => window.__pgPlanner && window.__pgPlanner.ready")
        assert page.locator("#planner-create-org-note").is_hidden()
        page.locator("#planner-create-org-kind").select_option("PARTY_GROUP")
        page.locator("#planner-create-org-name").fill(name)
        page.locator("#planner-create-org-parent").select_option(label=f"{branch}（网格党支部）")
        page.locator("#planner-create-org-button").click()
        page.locator("#planner-message.ok", has_text=name).wait_for()
        wait_idle(page)
        # The new group is in the list, chosen, in its sorted place.
        groups = [*_names(demo, code, "party_group"), name]
        page.locator("input[name=planner-mode][value=groups]").check()
        assert _listed(page, "planner-group") == _collated(page, groups)
        assert page.locator("#planner-group option:checked").inner_text() == name
        page.screenshot(path=screenshots / "planner-create-group.png")
        assert console_errors(seen) == []
    finally:
        created += _group_ids_named(running, code, name)
        for org_id in created:
            running.post(running.gateway, DISSOLVE, {"id": org_id})
    assert len(created) == 1, "the group was created once"
    # A planner: the note saying who may, no button; and org refuses the route for them.
    seen = open_planner(visit, code)
    page = seen.page
    note = page.locator("#planner-create-org-note")
    assert note.is_visible() and "社区党组织书记" in note.inner_text()
    assert page.locator("#planner-create-org-button").count() == 0
    english = open_planner(visit, code, "en").page.locator("#planner-create-org-note")
    assert "community Party secretary" in english.inner_text()
    base = running.gateway.removesuffix("/graphql")
    refused = httpx.post(
        f"{base}/maps/planner/{code}/organizations",
        headers=running.headers(running.gateway, planner_of(code)) | {"origin": base},
        json={"kind": "PARTY_GROUP", "name": name, "parentId": str(uuid.uuid4())},
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "FORBIDDEN"
    assert _group_ids_named(running, code, name) == []


def _group_ids_named(running: Running, code: str, name: str) -> list[str]:
    query = """query ($code: String!, $after: String) {
      organizations(regionCode: $code, kind: PARTY_GROUP, first: 200, after: $after) {
        nodes { id name } pageInfo { hasNextPage endCursor } } }"""
    found, after = [], None
    while True:
        page = running.post(running.gateway, query, {"code": code, "after": after})["data"]
        found += [n["id"] for n in page["organizations"]["nodes"] if n["name"] == name]
        if not page["organizations"]["pageInfo"]["hasNextPage"]:
            return found
        after = page["organizations"]["pageInfo"]["endCursor"]


def test_the_routes_refuse_bad_organizations_and_zone_edits(running: Running, demo: Demo) -> None:
    """Typed refusals before the graph (INVALID, Chinese first, English beside), nothing
    created: a kind the page may not create, no name, no parent; a zone edit without its id."""
    code = _most_groups(demo)
    base = running.gateway.removesuffix("/graphql")
    district = running.headers(running.gateway, DISTRICT) | {"origin": base}
    parent = next(
        str(o.id)
        for o in demo.organizations
        if o.community_code == code and o.kind == "grid_branch"
    )
    good = {"kind": "PARTY_GROUP", "name": "不会建立的党小组", "parentId": parent}
    for bad, says in (
        (good | {"kind": "COMMUNITY_COMMITTEE"}, "grid branches and Party groups"),
        (good | {"name": "  "}, "Name"),
        (good | {"parentId": None}, "parent"),
        ([good], "JSON object"),
    ):
        answer = httpx.post(f"{base}/maps/planner/{code}/organizations", headers=district, json=bad)
        assert answer.status_code == 400, bad
        error = answer.json()["errors"][0]
        assert error["code"] == "INVALID" and says in error["messageEn"], error
        assert error["message"] != error["messageEn"]
    assert _group_ids_named(running, code, good["name"]) == []
    zone = next(z for z in demo.zones if z.community_code == code)
    answer = httpx.post(
        f"{base}/maps/planner/{code}/preview",
        headers=district,
        json={"op": "assignZone", "zoneId": 5, "expectedVersion": 1},
    )
    assert answer.status_code == 400
    assert "zoneId" in answer.json()["errors"][0]["messageEn"]
    answer = httpx.post(
        f"{base}/maps/planner/{code}/preview",
        headers=district,
        json={"op": "assignZone", "zoneId": str(zone.id), "expectedVersion": "1"},
    )
    assert answer.status_code == 400
    assert "expectedVersion" in answer.json()["errors"][0]["messageEn"]
