"""A full 三有四化 assessment cycle for a district, through the gateway, as its users would run
it: communities attest their records with evidence, open and self-assess; the street office
holds the opinion survey, determines each grade and submits its monthly report (月报表); the
district reads the roll-up. Each community attests a different share of what the standard
asks, so the grades differ.

`partygrid assess-demo` runs it on the demo district (as the demo district account); the
end-to-end test runs it with a user of each role.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Who does what: "community" steps (records, opening, self-assessment) are the secretary's,
# "street" steps (survey, determination, report) the street office's, "district" the roll-up.
Token = Callable[[str, str], str]  # (role, region code) -> access token

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%s\ntrailer << /Root 1 0 R >>\n%%EOF\n"

STANDARD = """{ gradingStandard { id indicators { code record params weight } } }"""
COMMUNITIES = """query ($r: String!) { communities(regionCode: $r) { code name } }"""
UNITS = """query ($c: String!) { residentUnits(communityCode: $c) { id name } }"""
ERRORS = "errors { code message messageEn field }"
RECORD = {
    name: f"mutation ($i: {kind}!) {{ {name}(input: $i) {{ record {{ id }} {ERRORS} }} }}"
    for name, kind in (
        ("recordFunds", "RecordFundsInput"),
        ("recordFundUse", "RecordFundUseInput"),
        ("recordFacility", "RecordFacilityInput"),
        ("recordWorkRule", "RecordWorkRuleInput"),
        ("recordTraining", "RecordTrainingInput"),
        ("recordWorkSystemAdoption", "RecordWorkSystemAdoptionInput"),
        ("recordSitting", "RecordSittingInput"),
        ("recordActivity", "RecordActivityInput"),
        ("recordAgreement", "RecordAgreementInput"),
    )
}
ASSESSMENT = """id state standard { indicators { code weight } grades { id name } }
  snapshots { step score grade { id } meetsStandard }
  determination { grade { id name } computedScore } goals { id indicatorCode }"""
OPEN = f"""mutation ($c: String!, $y: Int!) {{ openAssessment(communityCode: $c, year: $y) {{
  assessment {{ {ASSESSMENT} }} {ERRORS} }} }}"""
PREVIEW = """query ($c: String!, $y: Int!) { gradingPreview(communityCode: $c, year: $y) {
  score grade { id } results { indicatorCode credit } } }"""
SELF = f"""mutation ($id: ID!, $s: [SelfScoreInput!]!) {{
  recordSelfAssessment(assessmentId: $id, scores: $s, note: "自查自评") {{
  assessment {{ {ASSESSMENT} }} {ERRORS} }} }}"""
SURVEY = f"""mutation ($id: ID!, $on: Date!, $n: [SurveyCountInput!]!) {{
  recordOpinionSurvey(assessmentId: $id, heldOn: $on, counts: $n) {{
  assessment {{ {ASSESSMENT} }} {ERRORS} }} }}"""
DETERMINE = f"""mutation ($id: ID!, $g: String!, $why: String!) {{
  determineGrade(assessmentId: $id, gradeId: $g, reason: $why) {{
  assessment {{ {ASSESSMENT} }} {ERRORS} }} }}"""
REPORT = "id status downloadPath communities { code name grade { id determined } score }"
GENERATE = f"""mutation ($s: String!, $m: String!) {{ generateMonthlyReport(streetCode: $s,
  month: $m) {{ report {{ {REPORT} }} {ERRORS} }} }}"""
COMMENT = f"""mutation ($id: ID!, $i: ReportCommentaryInput!) {{
  updateMonthlyReportCommentary(id: $id, input: $i) {{ report {{ {REPORT} }} {ERRORS} }} }}"""
SUBMIT = f"""mutation ($id: ID!) {{ submitMonthlyReport(id: $id) {{
  report {{ {REPORT} }} {ERRORS} }} }}"""
ROLLUP = """query ($d: String!, $m: String!) { monthlyReportRollup(districtCode: $d, month: $m) {
  downloadPath streets { streetCode status } communityRanking { rank community { code score } } } }"""

WORK_SYSTEMS = (
    "DELIBERATION",
    "COLLECTIVE_DECISION",
    "JOINT_MEETING",
    "BIG_COMMITTEE_CONSULTATION",
    "DEMOCRATIC_EVALUATION",
)
FACILITIES = ("OFFICE", "MEETING_ROOM", "ACTIVITY_ROOM", "DISCLOSURE_BOARD", "PUBLICITY_BOARD")


class CycleError(RuntimeError):
    """A step was refused or failed; the message names it."""


@dataclass
class Outcome:
    year: int
    month: str
    communities: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> assessment
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # street -> report
    workbooks: dict[str, bytes] = field(default_factory=dict)  # street or district -> .xlsx
    rollup: dict[str, Any] = field(default_factory=dict)
    records: list[str] = field(default_factory=list)  # ids, e.g. for voiding afterwards
    seconds: dict[str, float] = field(default_factory=dict)


class Gateway:
    def __init__(self, graphql_url: str, token: Token, client: httpx.Client) -> None:
        self.url = graphql_url
        self.origin = str(httpx.URL(graphql_url).copy_with(path="/")).rstrip("/")
        self.token = token
        self.client = client

    def _auth(self, role: str, region: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(role, region)}"}

    def call(self, role: str, region: str, query: str, variables: dict | None = None) -> dict:
        answer = self.client.post(
            self.url, json={"query": query, "variables": variables or {}},
            headers=self._auth(role, region),
        )  # fmt: skip
        body = answer.json()
        if answer.status_code != 200 or body.get("errors"):
            raise CycleError(f"{query.split('(')[0].strip()[:60]}: {body.get('errors')}")
        return body["data"]

    def write(self, role: str, region: str, query: str, variables: dict) -> dict:
        """A mutation; its payload, or CycleError naming the refusal."""
        (payload,) = self.call(role, region, query, variables).values()
        if payload["errors"]:
            raise CycleError(f"{query.split('(')[0].strip()[:60]}: {payload['errors']}")
        return payload

    def upload(self, role: str, region: str, community: str, name: str, content: bytes) -> str:
        answer = self.client.post(
            f"{self.origin}/files/evidence", params={"community": community, "name": name},
            content=content, headers={**self._auth(role, region), "content-type": "application/pdf"},
        )  # fmt: skip
        if answer.status_code != 201:
            raise CycleError(f"evidence upload: {answer.status_code} {answer.text[:200]}")
        return answer.json()["evidence"]["id"]

    def download(self, role: str, region: str, path: str) -> bytes:
        answer = self.client.get(f"{self.origin}{path}", headers=self._auth(role, region))
        if answer.status_code != 200:
            raise CycleError(f"download {path}: {answer.status_code}")
        return answer.content


def _quarter_days(year: int, today: dt.date) -> list[dt.date]:
    """A day in each quarter of `year` that has begun by `today` (the 10th of its 2nd month)."""
    days = [dt.date(year, month, 10) for month in (2, 5, 8, 11)]
    return [d for d in days if d <= today]


def attest(  # noqa: PLR0913 -- the gateway, the community and its share, the period (year, today), the outcome and the standard
    gw: Gateway,
    code: str,
    share: float,
    year: int,
    today: dt.date,
    out: Outcome,
    params: dict[str, dict[str, Any]],
) -> None:
    """The community's records of `year`: all that the standard asks when `share` is 1, less
    as it falls (funds short of the district's amount, facilities, systems and activities
    missing). `params`: the current standard's indicators by code."""
    who = ("secretary", code)
    start = dt.date(year, 1, 15)

    def evidence(name: str) -> list[str]:
        return [gw.upload(*who, code, name, PDF.replace(b"%%s", f"% {code} {name}".encode()))]

    def record(mutation: str, fields: dict) -> str:
        got = gw.write(*who, RECORD[mutation], {"i": {"communityCode": code, **fields}})
        out.records.append(got["record"]["id"])
        return got["record"]["id"]

    amount = float(params["M1"]["params"]["min_amount"]) * (1.0 if share >= 0.8 else share)
    funds = record("recordFunds", {"year": year, "amount": amount, "source": "区财政拨付",
                                   "allocatedOn": start.isoformat(), "evidenceIds": evidence("经费拨付文件.pdf")})  # fmt: skip
    if share >= 0.5:
        use = {"fundsId": funds, "spentOn": (start + dt.timedelta(days=30)).isoformat(),
               "purpose": "党员活动室设备", "amount": round(amount / 3, 2)}  # fmt: skip
        got = gw.write(*who, RECORD["recordFundUse"], {"i": use})
        out.records.append(got["record"]["id"])
    for kind in FACILITIES[: max(1, round(len(FACILITIES) * share))]:
        area = 60.0 if kind in ("OFFICE", "MEETING_ROOM", "ACTIVITY_ROOM") else None
        record("recordFacility", {"facility": kind, "since": start.isoformat(), "floorArea": area})
    if share >= 0.5:
        record("recordWorkRule", {"adoptedOn": start.isoformat(), "evidenceIds": evidence("工作规则.pdf")})  # fmt: skip
    record("recordTraining", {"heldOn": start.isoformat(), "form": "CENTRALIZED",
                              "topic": "党务工作者集中培训", "hours": 4, "attendeeCount": 12})  # fmt: skip
    systems = WORK_SYSTEMS[: max(1, round(len(WORK_SYSTEMS) * share))]
    sittings = {i["params"].get("system"): i["params"].get("min_sittings", 1)
                for i in params.values() if i["record"] == "work_system"}  # fmt: skip
    for system in systems:
        record("recordWorkSystemAdoption", {"system": system, "adoptedOn": start.isoformat(),
                                            "evidenceIds": evidence(f"{system}.pdf")})  # fmt: skip
        for n in range(sittings.get(system.lower(), 1)):
            held = start + dt.timedelta(days=20 + 40 * n)
            record("recordSitting", {"system": system, "heldOn": min(held, today).isoformat(),
                                     "minutes": f"第{n + 1}次会议纪要", "attendeeCount": 9})  # fmt: skip
    for day in _quarter_days(year, today)[: max(1, round(4 * share))]:
        record("recordActivity", {"kind": "SHUANGCHUANG_SHUANGZHENG", "heldOn": day.isoformat(),
                                  "title": "“双创双争”主题活动", "participantCount": 30})  # fmt: skip
    units = gw.call(*who, UNITS, {"c": code})["residentUnits"]
    if units and share >= 0.5:
        record("recordAgreement", {"residentUnitId": units[0]["id"], "signedOn": start.isoformat(),
                                   "summary": "共建协议", "evidenceIds": evidence("共建协议.pdf")})  # fmt: skip


def grade(gw: Gateway, code: str, street: str, year: int, today: dt.date) -> dict[str, Any]:
    """Open, self-assess (the community's own view: what the live measures credit), survey,
    determine (the computed grade, for the street office's reason)."""
    who = ("secretary", code)
    opened = gw.write(*who, OPEN, {"c": code, "y": year})["assessment"]
    preview = gw.call(*who, PREVIEW, {"c": code, "y": year})["gradingPreview"]
    credit = {r["indicatorCode"]: r["credit"] for r in preview["results"]}
    weights = {i["code"]: i["weight"] for i in opened["standard"]["indicators"]}
    scores = [{"indicatorCode": c, "score": round(w * credit.get(c, 0.0), 2)} for c, w in weights.items()]  # fmt: skip
    assessment = gw.write(*who, SELF, {"id": opened["id"], "s": scores})["assessment"]
    counts = [
        {"respondents": "MEMBERS", "satisfied": 40, "basicallySatisfied": 8, "dissatisfied": 2},
        {"respondents": "RESIDENTS", "satisfied": 70, "basicallySatisfied": 20, "dissatisfied": 10},
    ]
    boss = ("street", street)
    gw.write(*boss, SURVEY, {"id": assessment["id"], "on": today.isoformat(), "n": counts})
    computed = preview["grade"]["id"]
    why = f"依据测算得分{preview['score']}分及民意测评结果认定"
    return gw.write(*boss, DETERMINE, {"id": assessment["id"], "g": computed, "why": why})["assessment"]  # fmt: skip


def run(gw: Gateway, district: str, today: dt.date | None = None) -> Outcome:
    """The whole cycle for every community of `district`; the month is today's."""
    today = today or dt.date.today()
    out = Outcome(year=today.year, month=f"{today:%Y-%m}")
    communities = gw.call("district", district, COMMUNITIES, {"r": district})["communities"]
    started = time.perf_counter()
    indicators = gw.call("district", district, STANDARD)["gradingStandard"]["indicators"]
    params = {i["code"]: i for i in indicators}  # one standard for every community
    for n, community in enumerate(communities):
        share = (1.0, 0.8, 0.5, 0.3)[n % 4]  # communities as far along as real ones are
        attest(gw, community["code"], share, out.year, today, out, params)
    out.seconds["records"] = time.perf_counter() - started
    started = time.perf_counter()
    for community in communities:
        code = community["code"]
        out.communities[code] = grade(gw, code, code[:9], out.year, today)  # street: 9 digits
    out.seconds["grading"] = time.perf_counter() - started
    started = time.perf_counter()
    for street in sorted({c["code"][:9] for c in communities}):
        boss = ("street", street)
        report = gw.write(*boss, GENERATE, {"s": street, "m": out.month})["report"]
        commentary = {
            "progress": "本月完成分类定级，各社区自查自评、民意测评、认定等级均已完成。",
            "problems": "部分社区经费、活动场所和工作制度运行记录不全。",
            "nextPlan": "对照整改目标逐项落实，月底前补齐记录。",
        }
        gw.write(*boss, COMMENT, {"id": report["id"], "i": commentary})
        report = gw.write(*boss, SUBMIT, {"id": report["id"]})["report"]
        out.reports[street] = report
        out.workbooks[street] = gw.download(*boss, report["downloadPath"])
    out.rollup = gw.call("district", district, ROLLUP, {"d": district, "m": out.month})[
        "monthlyReportRollup"
    ]
    out.workbooks[district] = gw.download("district", district, out.rollup["downloadPath"])
    out.seconds["reports"] = time.perf_counter() - started
    return out
