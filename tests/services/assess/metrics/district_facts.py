"""The demo district as the graph shows it to a district user, read through the gateway with
the public queries (members, organizations, findings, zones, buildings, teams, units), and
what each computed indicator must say of a community, counted from that alone.

The counts restate DOMAIN and the plan in the test's own words, from the public graph, so the
indicators (which read org's `communityCounts` and grid's `coverage`) are checked against an
independent reading of the same data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from services.org.rules.settings import RulesSettings
from stack import Running

PAGE = 200
ASSOCIATE_OR_HIGHER = {"ASSOCIATE", "BACHELOR", "MASTER", "DOCTORATE"}  # 大专以上
GRID_UNITS = {"GRID_BRANCH", "PARTY_GROUP"}  # 居民楼栋党支部、党小组
FUNCTIONAL = ("WORKSTATION", "ZONGZHIBAN", "JUWEIHUI")  # plan (二): 工作站、综治办、居委会

MEMBERS = """query ($region: String!, $after: String) {
  members(filter: {regionCode: $region}, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id community { code } management isAble reporting { status }
            homeBuilding { id } categories { category hasHelper } posts { kind } offices
            committeeSeats { role organization { kind isLive community { code } } } } } }"""

FINDINGS = """query ($region: String!, $asOf: Date!, $after: String) {
  findings(regionCode: $region, asOf: $asOf, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { rule message community { code } } } }"""

ORGANIZATIONS = """query ($region: String!, $kind: OrganizationKind!, $after: String) {
  organizations(regionCode: $region, kind: $kind, first: 200, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { units community { code } } } }"""

COMMUNITY = """query ($code: String!, $asOf: Date!) {
  community(code: $code) {
    code
    organization { kind committee { role member { id age(asOf: $asOf) education } } }
    zones { id organization { id } buildings { id partyGroup { id } } }
    orphanBuildings { id }
  }
  residentUnits(communityCode: $code) { partTimeMembers { member { id } } }
  volunteerTeams(communityCode: $code) { name managementMix { isJoint } }
}"""


def read(running: Running, query: str, variables: dict) -> dict:
    body = running.post(running.gateway, query, variables)
    assert "errors" not in body, body
    return body["data"]


def read_pages(running: Running, query: str, variables: dict) -> list[dict]:
    """Every node of a paged root field, page after page."""
    nodes, after = [], None
    while True:
        data = read(running, query, {**variables, "after": after})
        (connection,) = data.values()
        nodes += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]


@dataclass
class Community:
    code: str
    kind: str | None = None
    committee: list[dict] = field(default_factory=list)  # seats, part-time members included
    zones: list[dict] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    unit_parttime_members: set[str] = field(default_factory=set)
    teams: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    functional_units: set[str] = field(default_factory=set)


@dataclass
class District:
    as_of: dt.date
    communities: dict[str, Community]
    residents: dict[str, int]  # building id -> resident members who have not left


def read_district(running: Running, district: str, as_of: dt.date) -> District:
    codes = [c["code"] for c in read(running, COMMUNITIES, {"region": district})["communities"]]
    found = {code: Community(code) for code in codes}
    for code, c in found.items():
        data = read(running, COMMUNITY, {"code": code, "asOf": as_of.isoformat()})
        org = data["community"]["organization"]
        if org is not None:
            c.kind, c.committee = org["kind"], org["committee"]
        c.zones = data["community"]["zones"]
        c.orphans = [b["id"] for b in data["community"]["orphanBuildings"]]
        c.unit_parttime_members = {
            s["member"]["id"] for u in data["residentUnits"] for s in u["partTimeMembers"]
        }
        c.teams = data["volunteerTeams"]
    residents: dict[str, int] = defaultdict(int)
    for m in read_pages(running, MEMBERS, {"region": district}):
        found[m["community"]["code"]].members.append(m)
        if m["homeBuilding"] is not None:
            residents[m["homeBuilding"]["id"]] += 1
    findings = read_pages(running, FINDINGS, {"region": district, "asOf": as_of.isoformat()})
    for f in findings:
        found[f["community"]["code"]].findings.append(f)
    for kind in ("FUNCTIONAL_BRANCH", "FUNCTIONAL_GROUP"):
        for o in read_pages(running, ORGANIZATIONS, {"region": district, "kind": kind}):
            found[o["community"]["code"]].functional_units |= set(o["units"]) & set(FUNCTIONAL)
    return District(as_of, found, residents)


COMMUNITIES = """query ($region: String!) { communities(regionCode: $region) { code } }"""


# --- what each indicator must say ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    value: float | None
    says: tuple[str, ...] = ()  # fragments the zh detail must hold


def _rules_verdict(c: Community, rules: tuple[str, ...], *says: str) -> Expected:
    """Pass/fail by the rule checker: met when none of `rules` has a finding; else the detail
    repeats each finding's message."""
    hit = [f["message"] for f in c.findings if f["rule"] in rules]
    return Expected(0.0 if hit else 1.0, (*says, *hit))


def _committee(c: Community) -> list[dict]:
    """plan (二) 委员会: the current seats, big-committee part-time members (plan 三) apart."""
    return [s for s in c.committee if s["role"] != "PARTTIME_MEMBER"]


def people_in_post(c: Community, d: District) -> Expected:
    """P1 — plan 二: 书记1人、专职副书记1人 … 书记兼任社区工作站站长，试点社区书记由下派科级干部担任；
    专职副书记应由党龄2年以上……的党员担任."""
    rules = (
        "organization.community",
        "committee.secretary",
        "committee.fulltime_deputy",
        "deputy.standing",
        "secretary.workstation_head",
        "secretary.sent_down_cadre",
    )
    return _rules_verdict(c, rules)


def committee_composition(c: Community, d: District) -> Expected:
    """O1 — plan 二: 社区党委设委员5至7人……党总支、党支部委员会设委员3至5人."""
    rules = (
        "organization.community",
        "committee.size",
        "committee.secretary",
        "committee.fulltime_deputy",
        "committee.parttime_deputy",
        "deputy.full_member",
    )
    size = len({s["member"]["id"] for s in _committee(c)})
    return _rules_verdict(c, rules, f"委员{size}人")


def leadership_profile(c: Community, d: District) -> Expected:
    """O2 — plan 二: 以40岁左右、大专以上文化程度的同志为主体: met when the rule checker finds
    no breach of "为主体"; otherwise the smaller share, as partial credit."""
    seats = _committee(c)
    if not seats:
        return Expected(0.0)
    band = RulesSettings()
    about_40 = sum(band.age_band_low <= s["member"]["age"] <= band.age_band_high for s in seats)
    educated = sum(s["member"]["education"] in ASSOCIATE_OR_HIGHER for s in seats)
    hit = [f["message"] for f in c.findings if f["rule"].startswith("leadership.")]
    return Expected(
        min(about_40, educated) / len(seats) if hit else 1.0,
        (f"班子{len(seats)}人", f"40岁左右{about_40}人", f"大专以上{educated}人", *hit),
    )


def zones_with_branch(c: Community, d: District) -> Expected:
    """O3 — plan 二: 分支部建在片区 (党支部 communities: 党小组建在片区)."""
    if not c.zones:
        return Expected(None)
    done = sum(z["organization"] is not None for z in c.zones)
    return Expected(done / len(c.zones), (f"片区{len(c.zones)}个", f"{done}个"))


def member_buildings_with_group(c: Community, d: District) -> Expected:
    """O4 — plan 二: 党小组建到楼栋 (a 党支部's groups sit in zones); orphans are not covered."""
    n = covered = 0
    for z in c.zones:
        for b in z["buildings"]:
            if d.residents.get(b["id"]):
                n += 1
                own = b["partyGroup"] is not None
                covered += own or (c.kind == "BRANCH" and z["organization"] is not None)
    n += sum(1 for b in c.orphans if d.residents.get(b))
    if n == 0:
        return Expected(1.0)
    return Expected(covered / n, (f"楼栋{n}栋", f"覆盖{covered}栋"))


def functional_units(c: Community, d: District) -> Expected:
    """O5 — plan 二: 在社区工作站、综治办、居委会……单独或联合建立党支部（党小组）."""
    if c.kind is None:
        return Expected(0.0)
    have = len(c.functional_units)
    return Expected(have / 3, (f"已建{have}/3",))


def big_committee(c: Community, d: District) -> Expected:
    """R1 — plan 三: 把驻社区单位党组织负责人……吸纳为……兼职委员，组成社区"大党委"."""
    parttime = {s["member"]["id"] for s in c.committee if s["role"] == "PARTTIME_MEMBER"}
    from_units = parttime & c.unit_parttime_members
    return Expected(
        1.0 if from_units else 0.0,
        (f"兼职委员{len(parttime)}人", f"驻社区单位{len(from_units)}人"),
    )


def reporting_rate(c: Community, d: District) -> Expected:
    """R3 — plan 三: 党员向社区党组织报到 (the non-self-managed who live here)."""
    due = [
        m
        for m in c.members
        if m["management"] != "SELF"
        and m["reporting"] is not None
        and m["reporting"]["status"] in ("PENDING", "REPORTED")
    ]
    done = sum(m["reporting"]["status"] == "REPORTED" for m in due)
    if not due:
        return Expected(1.0)
    return Expected(done / len(due), (f"报到{done}/{len(due)}人",))


def joint_volunteer_team(c: Community, d: District) -> Expected:
    """R4 — plan 三: 联合组建社区党员志愿者服务队 (all three kinds of member)."""
    joint = [t for t in c.teams if t["managementMix"]["isJoint"]]
    return Expected(1.0 if joint else 0.0, (f"「{joint[0]['name']}」",) if joint else ())


def post_rate(c: Community, d: District) -> Expected:
    """A1 — plan 五: 对能够正常参加组织活动的党员实行明岗定责……居民楼栋党支部书记、党小组长兼任
    网格化管理岗位，无职党员……认领一个以上的社区管理服务义务奉献岗位.

    Able to take part: able, not away (外出流动), in the community's care (self-managed or
    reported in). Grid leaders owe a grid-management post; members with no seat and no office
    (无职党员) a volunteer post; the others any post."""
    owed = held = 0
    for m in c.members:
        away = any(k["category"] == "MOBILE" for k in m["categories"])
        in_care = m["management"] == "SELF" or (m["reporting"] or {}).get("status") == "REPORTED"
        if not m["isAble"] or away or not in_care:
            continue
        seats = [
            s
            for s in m["committeeSeats"]
            if s["organization"]["isLive"] and s["organization"]["community"]["code"] == c.code
        ]
        kinds = {p["kind"] for p in m["posts"]}
        if any(s["role"] == "SECRETARY" and s["organization"]["kind"] in GRID_UNITS for s in seats):
            met = "GRID_MANAGEMENT" in kinds
        elif not seats and not m["offices"]:
            met = "VOLUNTEER" in kinds
        else:
            met = bool(kinds)
        owed += 1
        held += met
    if owed == 0:
        return Expected(1.0)
    return Expected(held / owed, (f"明岗定责{held}/{owed}人",))


def special_category_helpers(c: Community, d: District) -> Expected:
    """A2 — plan 五: 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶."""
    cared = [m for m in c.members if m["categories"]]
    helped = sum(all(k["hasHelper"] for k in m["categories"]) for m in cared)
    if not cared:
        return Expected(1.0)
    return Expected(helped / len(cared), (f"有帮扶人{helped}/{len(cared)}人",))


EXPECTATIONS: dict[str, Callable[[Community, District], Expected]] = {
    "org.people_in_post": people_in_post,
    "org.committee_composition": committee_composition,
    "org.leadership_profile": leadership_profile,
    "grid.zones_with_branch": zones_with_branch,
    "grid.member_buildings_with_group": member_buildings_with_group,
    "org.functional_units": functional_units,
    "org.big_committee": big_committee,
    "org.reporting_rate": reporting_rate,
    "org.joint_volunteer_team": joint_volunteer_team,
    "org.post_rate": post_rate,
    "org.special_category_helpers": special_category_helpers,
}
