"""Every console page to sweep, as each demo user would open it: the GET routes of
`gateway.console.routes.ROUTES`, their path parameters filled from the demo district (region
codes from the user's region, ids and a month read from the graph), so a new page is swept
without a test of its own. A route with a parameter no slot here fills is an error naming
it (`UnfilledRouteError`): add its slot to `SLOTS` and the page is proven like the others.

Imported by tests/gateway/console/test_console_sweep.py (HTTP) and
tests/browser/test_console_sweep_chromium.py (Chromium).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, pool, text
from starlette.routing import Route

from gateway.auth.tokens import AccessTokens
from gateway.console.pages.records import FORMS as RECORD_FORMS
from gateway.console.routes import ROUTES
from infra.demo import assessment_cycle as cycle
from infra.demo.model import Demo
from infra.demo.users import demo_accounts
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

ROOT = Path(__file__).resolve().parents[3]
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


class UnfilledRouteError(AssertionError):
    """A console route with a path parameter the sweep's table cannot fill."""


def get_routes() -> list[str]:
    """Every console GET route's path template (`/` only redirects to the home page)."""
    return [
        route.path
        for route in ROUTES
        if isinstance(route, Route) and "GET" in (route.methods or set()) and route.path != "/"
    ]


def demo_users(demo: Demo) -> dict[str, Identity]:
    """The demo accounts (username -> identity), from the region tree the demo loaded."""
    regions = {r.code: r.level for r in demo.regions}
    return {
        name: Identity(name, Role(role), region) for name, role, region in demo_accounts(regions)
    }


# -- what the demo and the graph give ---------------------------------------------------------

# The sweep's own year and month, which no other test writes or reads (grading tests use
# 2001-2010, dual 2011, overview 2012 and 2017, reports 2015): the swept community's records,
# its assessment (whose gaps become goals) and its street office's report are made in them
# through the graph, so every page has something to show, and removed afterwards.
YEAR = 2013
MONTH = f"{YEAR}-06"

FACTS = """query ($c: String!, $y: Int!) {
  members(filter: {regionCode: $c}, first: 200) { nodes { id phone
    categories { helperContact } } }
  evaluations(regionCode: $c, first: 1) { nodes { id } }
  attestedRecords(communityCode: $c, year: $y, first: 1) { nodes { id } }
  improvementGoals(regionCode: $c, year: $y, first: 1) { nodes { id year } }
}"""


@contextlib.contextmanager
def seeded(running: Running, assess_url: str, community: str) -> Iterator[None]:
    """The community's records and assessment of YEAR and its street office's report of
    MONTH, made as the demo cycle makes them; all removed at the end."""
    access = AccessTokens(running.keys["access"], ttl=dt.timedelta(minutes=10))

    def token(role: str, region: str) -> str:
        return access.issue(Identity(f"sweep-{role}-{region}", Role(role), region)).token

    street = community[:9]
    try:
        with httpx.Client(timeout=120) as client:
            gw = cycle.Gateway(running.gateway, token, client)
            standard = gw.call("district", community[:6], cycle.STANDARD)["gradingStandard"]
            params = {i["code"]: i for i in standard["indicators"]}
            out = cycle.Outcome(year=YEAR, month=MONTH)
            cycle.attest(gw, community, 0.3, YEAR, dt.date(YEAR, 12, 1), out, params)
            cycle.grade(gw, community, street, YEAR, dt.date(YEAR, 12, 1))
            gw.write("street", street, cycle.GENERATE, {"s": street, "m": MONTH})
        yield
    finally:
        _remove(assess_url, community, street)


def _remove(url: str, community: str, street: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    where = {"y": YEAR, "c": community}
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM assess.monthly_report WHERE month = :m AND street_code = :s"),
            {"m": MONTH, "s": street},
        )
        conn.execute(
            text("DELETE FROM assess.assessment WHERE year = :y AND community_code = :c"), where
        )
        owned = "SELECT id FROM assess.record WHERE year = :y AND community_code = :c"
        conn.execute(
            text(f"DELETE FROM assess.record_evidence WHERE record_id IN ({owned})"), where
        )
        conn.execute(
            text(
                "DELETE FROM assess.record WHERE year = :y AND community_code = :c"
                " AND parent_id IS NOT NULL"
            ),
            where,
        )
        conn.execute(
            text("DELETE FROM assess.record WHERE year = :y AND community_code = :c"), where
        )
        conn.execute(  # the files the sweep uploaded, now part of no record
            text(
                "DELETE FROM assess.evidence WHERE community_code = :c AND uploaded_by LIKE"
                " 'sweep-%' AND id NOT IN (SELECT evidence_id FROM assess.record_evidence)"
            ),
            where,
        )
    engine.dispose()


@dataclass
class Facts:
    """What the slots fill parameters with: the demo's regions and one of each thing."""

    regions: dict[str, str]  # code -> name
    community: str  # the community whose pages are swept (the demo secretary's)
    member: str
    member_phone: str | None  # as the district reads it
    evaluation: str
    record: str
    goal: str
    goal_year: int
    month: str  # a month with a street office report
    personal: set[str] = field(default_factory=set)  # phones, birth dates, helper contacts

    def codes(self, length: int) -> list[str]:
        return sorted(code for code in self.regions if len(code) == length)


def _dates(thing: object, skip: str) -> set[dt.date]:
    """Every date of a demo dataclass but the field `skip`."""
    assert is_dataclass(thing)
    return {
        value
        for f in fields(thing)
        if f.name != skip and isinstance(value := getattr(thing, f.name), dt.date)
    }


def _personal(demo: Demo) -> set[str]:
    """Every member's phone, birth date and helper contact in the demo (birth dates that are
    also some other date of the demo left out: a join date shown is not a birth date)."""
    other_dates: set[dt.date] = set()
    for name in (
        "members",
        "committee_seats",
        "member_offices",
        "member_categories",
        "evaluations",
        "resident_units",
        "posts",
        "volunteer_teams",
    ):
        for thing in getattr(demo, name):
            other_dates |= _dates(thing, "birth_date")
    values = {m.phone for m in demo.members if m.phone}
    values |= {c.helper_contact for c in demo.member_categories if c.helper_contact}
    values |= {m.birth_date.isoformat() for m in demo.members} - {
        d.isoformat() for d in other_dates
    }
    return values


def swept_community(demo: Demo) -> str:
    """The community whose pages are swept: the demo secretary's (in every demo user's region)."""
    return demo_users(demo)["demo-secretary"].region


def gather(running: Running, demo: Demo) -> Facts:
    """The facts of the demo district, the ids as the graph gives them to the district (after
    `seeded`)."""
    community = swept_community(demo)
    body = running.post(running.gateway, FACTS, {"c": community, "y": YEAR}, identity=DISTRICT)
    assert not body.get("errors"), body
    data = body["data"]
    members = data["members"]["nodes"]
    # A member whose personal data the district sees: its page is where a leak would show.
    member = next((m for m in members if m["phone"]), members[0])
    goal = data["improvementGoals"]["nodes"][0]
    return Facts(
        regions={r.code: r.name for r in demo.regions},
        community=community,
        member=member["id"],
        member_phone=member["phone"],
        evaluation=data["evaluations"]["nodes"][0]["id"],
        record=data["attestedRecords"]["nodes"][0]["id"],
        goal=goal["id"],
        goal_year=goal["year"],
        month=MONTH,
        personal=_personal(demo),
    )


# -- slots: what each path parameter is --------------------------------------------------------


def _at_level(facts: Facts, region: str, length: int) -> str:
    """The caller's region at `length` digits: its own code cut, or the first one under it
    (a community user's street is outside its region: the page refuses it, as it should)."""
    if len(region) >= length:
        return region[:length]
    if length == 12 and facts.community.startswith(region):
        return facts.community
    return next(code for code in facts.codes(length) if code.startswith(region))


@dataclass(frozen=True)
class Slot:
    values: Callable[[Facts, Identity], list[str]]
    place: bool = False  # a region code: also swept with one outside the caller's region
    query: Callable[[Facts], dict[str, str]] | None = None


def _level(length: int) -> Slot:
    return Slot(lambda f, i: [_at_level(f, i.region, length)], place=True)


_OWN = Slot(lambda f, i: [i.region], place=True)

# The path up to and including a parameter -> what fills it. Sub-pages under a filled slot
# (say /console/community/{code}/newpage) are swept without a new row.
SLOTS: dict[str, Slot] = {
    "/console/community/{code}": _level(12),
    "/console/assessment/{code}": _level(12),
    "/console/records/{code}": _level(12),
    "/console/overview/{code}": _OWN,
    "/console/commendations/{code}": _OWN,
    "/console/rollup/{code}": _level(6),
    "/console/reports/{street}": _level(9),
    "/console/reports/{street}/{month}": Slot(lambda f, i: [f.month]),
    "/console/rollup/{code}/{month}": Slot(lambda f, i: [f.month]),
    "/console/community/{code}/members/{id}": Slot(lambda f, i: [f.member]),
    "/console/community/{code}/dual/{id}": Slot(lambda f, i: [f.evaluation]),
    "/console/records/{code}/void/{id}": Slot(lambda f, i: [f.record]),
    "/console/records/{code}/new/{kind}": Slot(lambda f, i: [form.slug for form in RECORD_FORMS]),
    "/console/assessment/{code}/goals/{goal}": Slot(
        lambda f, i: [f.goal], query=lambda f: {"year": str(f.goal_year)}
    ),
}


def slot_keys(route: str) -> list[str]:
    """The slot key of each parameter of `route`: the path up to and including it."""
    bare = _PARAM.sub(lambda m: "{" + m.group(1) + "}", route)
    return [bare[: m.end()] for m in _PARAM.finditer(bare)]


@dataclass(frozen=True)
class Target:
    """One page as one user opens it (`outside`: the same page with each region code
    replaced by one outside the user's region, when the route takes one)."""

    route: str
    path: str
    query: dict[str, str]
    outside: str | None = None
    outside_names: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.path + (f"?{urllib.parse.urlencode(self.query)}" if self.query else "")


def _outside(facts: Facts, identity: Identity, code: str) -> str:
    """A code of `code`'s level outside the caller's region: a real one of the demo when
    there is one (its data would show if the page did not refuse), else one made up."""
    real = [c for c in facts.codes(len(code)) if not identity.covers(c)]
    if real:
        return real[0]
    other = "410105" if identity.region[:6] != "410105" else "410106"
    return other + code[6:]


def targets(route: str, facts: Facts, identity: Identity) -> list[Target]:
    """The pages of `route` to open as `identity` (one per value of a many-valued slot)."""
    # (path, the same path outside the caller's region, names of the places outside, query)
    paths: list[tuple[str, str, tuple[str, ...], dict[str, str]]] = [(route, route, (), {})]
    has_place = False
    for key in slot_keys(route):
        slot = SLOTS.get(key)
        if slot is None:
            raise UnfilledRouteError(
                f"console route {route}: no slot fills {key} — add it to SLOTS in {__file__}"
            )
        name = key.rsplit("{", 1)[1].rstrip("}")
        pattern = re.compile(r"\{" + name + r"(?::\w+)?\}")
        filled = []
        for path, outside, names, query in paths:
            for value in slot.values(facts, identity):
                new_path = pattern.sub(value, path, count=1)
                if slot.place:
                    far = _outside(facts, identity, value)
                    new_outside = pattern.sub(far, outside, count=1)
                    new_names = (*names, facts.regions[far]) if far in facts.regions else names
                else:
                    new_outside = pattern.sub(value, outside, count=1)
                    new_names = names
                more = slot.query(facts) if slot.query else {}
                filled.append((new_path, new_outside, new_names, {**query, **more}))
        paths = filled
        has_place = has_place or slot.place
    return [
        Target(route, path, query, outside if has_place else None, names)
        for path, outside, names, query in paths
    ]
