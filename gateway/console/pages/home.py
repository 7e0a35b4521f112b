"""`/console`: the signed-in user's home page — their region and role, and what is due there.

What is due comes from the graph as the caller sees it, one read per part (milestones,
improvement goals, monthly reports, 报到), asked concurrently: a part whose service is down
shows as unavailable and the rest of the page still renders; a part the caller's role may
not read (the graph says FORBIDDEN) is left out. Each item links to the console page it
concerns (addresses from `gateway.console.nav`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from gateway.console import nav
from gateway.console.graph import Answer
from gateway.console.page import Page, console_route

# A part of the page: "ok" (with its values), "unavailable" (the graph failed) or "hidden"
# (the caller's role or scope may not read it: nothing to show, nothing to apologise for).
OK, UNAVAILABLE, HIDDEN = "ok", "unavailable", "hidden"
# How many members pending 报到 a community user sees by name on the home page (the members
# page lists them all).
NAMES_SHOWN = 30


@dataclass
class Part:
    state: str
    values: dict[str, Any] = field(default_factory=dict)


def _part(answer: Answer, *keys: str) -> Part | None:
    """None when every key came back; else the part's state from the graph's errors."""
    if all(answer.data.get(key) is not None for key in keys):
        return None
    codes = {(e.get("extensions") or {}).get("code") for e in answer.errors}
    return Part(HIDDEN if codes and codes <= {"FORBIDDEN"} else UNAVAILABLE)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: dt.date) -> str:
    return month_of(day.replace(day=1) - dt.timedelta(days=1))


# -- who and where ---------------------------------------------------------------------------

WHO = """query Home($code: String!) {
  region(code: $code) { code name nameEn level parent { code name nameEn } }
}"""


async def _who(page: Page) -> Part:
    answer = await page.ask(WHO, {"code": page.identity.region})
    return _part(answer, "region") or Part(OK, {"region": answer.data["region"]})


# -- milestones ------------------------------------------------------------------------------

MILESTONES = """query HomeMilestones($code: String!, $year: Int!) {
  milestoneStatuses(regionCode: $code, year: $year) {
    communityCode communityName
    milestones { milestone { id name nameEn due } status how howEn }
  }
}"""


def group_milestones(statuses: list[dict[str, Any]], status: str) -> list[dict[str, Any]]:
    """The milestones in `status` (OVERDUE or PENDING), each with the communities in it, by
    deadline: one row per milestone however many communities the caller sees."""
    rows: dict[str, dict[str, Any]] = {}
    for community in statuses:
        for item in community["milestones"]:
            if item["status"] != status:
                continue
            milestone = item["milestone"]
            row = rows.setdefault(milestone["id"], {"milestone": milestone, "communities": []})
            row["communities"].append(
                {
                    "code": community["communityCode"],
                    "name": community["communityName"],
                    "how": item["how"],
                    "howEn": item["howEn"],
                }
            )
    return sorted(rows.values(), key=lambda row: (row["milestone"]["due"], row["milestone"]["id"]))


async def _milestones(page: Page, today: dt.date) -> Part:
    answer = await page.ask(MILESTONES, {"code": page.identity.region, "year": today.year})
    failed = _part(answer, "milestoneStatuses")
    if failed:
        return failed
    statuses = answer.data["milestoneStatuses"]
    return Part(
        OK,
        {
            "overdue": group_milestones(statuses, "OVERDUE"),
            "coming": group_milestones(statuses, "PENDING"),
            "year": today.year,
        },
    )


# -- improvement goals -----------------------------------------------------------------------

GOALS = """query HomeGoals($code: String!) {
  improvementGoals(regionCode: $code, status: OPEN, first: 200) {
    totalCount
    nodes { id communityCode year indicatorCode text ownerUser ownerRole dueOn overdue }
  }
}"""


async def _goals(page: Page) -> Part:
    answer = await page.ask(GOALS, {"code": page.identity.region})
    failed = _part(answer, "improvementGoals")
    if failed:
        return failed
    goals = answer.data["improvementGoals"]
    nodes = sorted(goals["nodes"], key=lambda g: (g["dueOn"], g["communityCode"], g["id"]))
    return Part(OK, {"goals": nodes, "total": goals["totalCount"]})


# -- monthly reports -------------------------------------------------------------------------

REPORT = """query HomeReport($street: String!, $month: String!) {
  monthlyReport(streetCode: $street, month: $month) { month status }
}"""
ROLLUP = """query HomeRollup($district: String!, $month: String!) {
  monthlyReportRollup(districtCode: $district, month: $month, months: 1) {
    month notSubmitted { streetCode streetName status }
  }
}"""


async def _street_reports(page: Page, months: list[str]) -> Part:
    """A street's own reports of these months that are not submitted yet."""
    street = page.identity.region
    answers = await asyncio.gather(
        *(page.ask(REPORT, {"street": street, "month": month}) for month in months)
    )
    due = []
    for month, answer in zip(months, answers, strict=True):
        report = answer.data.get("monthlyReport")
        if answer.errors:  # a report not generated is null without errors
            return _part(answer, "monthlyReport") or Part(UNAVAILABLE)
        status = report["status"] if report else "NOT_GENERATED"
        if status != "SUBMITTED":
            due.append({"streetCode": street, "streetName": None, "month": month, "status": status})
    return Part(OK, {"due": due})


async def _district_reports(page: Page, months: list[str]) -> Part:
    """The district's streets that have not submitted these months' reports."""
    district = page.identity.region
    answers = await asyncio.gather(
        *(page.ask(ROLLUP, {"district": district, "month": month}) for month in months)
    )
    due = []
    for answer in answers:
        failed = _part(answer, "monthlyReportRollup")
        if failed:
            return failed
        rollup = answer.data["monthlyReportRollup"]
        for street in rollup["notSubmitted"]:
            due.append({**street, "month": rollup["month"]})
    return Part(OK, {"due": due})


async def _reports(page: Page, today: dt.date) -> Part:
    # Last month's report is the one owed now; this month's may be drafted already.
    months = [previous_month(today), month_of(today)]
    level = len(page.identity.region)
    if level == 9:
        return await _street_reports(page, months)
    if level == 6:
        return await _district_reports(page, months)
    return Part(HIDDEN)  # a community submits no monthly report


# -- 报到 (members reporting in to their residential community) -----------------------------

COMMUNITIES = """query HomeCommunities($code: String!) {
  communities(regionCode: $code) { code name }
}"""
COUNTS = """query HomeReporting($codes: [String!]!) {
  communityCounts(communityCodes: $codes) { code reportingDue reportedIn }
}"""
PENDING_NAMES = """query HomePending($code: String!, $management: Management!) {
  members(filter: {regionCode: $code, management: $management}, first: 200) {
    nodes { id name reporting { status } }
  }
}"""


async def _pending_names(page: Page, code: str) -> list[dict[str, Any]] | None:
    """Members of one community not reported in, as far as the graph gives them by name
    (non-self-managed and jointly managed members owe 报到); None when it gives none."""
    answers = await asyncio.gather(
        *(
            page.ask(PENDING_NAMES, {"code": code, "management": management})
            for management in ("NON_SELF", "JOINT")
        )
    )
    names = []
    for answer in answers:
        members = answer.data.get("members")
        if members is None:
            return None
        names += [
            m
            for m in members["nodes"]
            if m["reporting"] is not None and m["reporting"]["status"] == "PENDING"
        ]
    return sorted(names, key=lambda m: (m["name"], m["id"]))


async def _reporting(page: Page) -> Part:
    listed = await page.ask(COMMUNITIES, {"code": page.identity.region})
    failed = _part(listed, "communities")
    if failed:
        return failed
    names = {c["code"]: c["name"] for c in listed.data["communities"]}
    counted = await page.ask(COUNTS, {"codes": sorted(names)})
    failed = _part(counted, "communityCounts")
    if failed:
        return failed
    rows = [
        {
            "code": c["code"],
            "name": names.get(c["code"], c["code"]),
            "due": c["reportingDue"],
            "reported": c["reportedIn"],
            "missing": c["reportingDue"] - c["reportedIn"],
        }
        for c in counted.data["communityCounts"]
    ]
    rows = [row for row in rows if row["missing"] > 0]
    pending = None
    if len(page.identity.region) == 12 and rows:
        pending = await _pending_names(page, page.identity.region)
    return Part(
        OK,
        {
            "rows": rows,
            "names": names,
            "missing": sum(row["missing"] for row in rows),
            "pending": pending[:NAMES_SHOWN] if pending is not None else None,
            "pending_total": len(pending) if pending is not None else 0,
        },
    )


# -- the page --------------------------------------------------------------------------------


async def home(page: Page) -> Response:
    today = dt.date.today()
    who, milestones, goals, reports, reporting = await asyncio.gather(
        _who(page), _milestones(page, today), _goals(page), _reports(page, today), _reporting(page)
    )
    region = page.identity.region
    return page.render(
        "home/home.html",
        today=today.isoformat(),
        region_code=region,
        who=who,
        milestones=milestones,
        goals=goals,
        reports=reports,
        reporting=reporting,
        overview=f"{nav.OVERVIEW}/{region}" if len(region) in (6, 9) else None,
        assessment=nav.ASSESSMENT,
        reports_base=nav.REPORTS,
        community_base=nav.COMMUNITY,
        names_shown=NAMES_SHOWN,
        community_names=reporting.values.get("names", {}),
    )


ROUTES = [console_route(nav.HOME, home)]
