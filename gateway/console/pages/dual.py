"""`/console/community/<code>/dual`: 双争 (争当社区管理先锋、争做服务群众模范) of a community
and year — the evaluations with their stage, and a nomination form; and one evaluation's
page with the form of its next step (公示 publicize → 评定 decide → 反馈 feedback to the
member's own unit). Forms are shown to the roles whose writes org accepts; org decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, PageRefusalError, WriteResult
from gateway.console.nav import COMMUNITY
from gateway.console.page import Page, console_route
from gateway.console.pages.members import (
    community_members,
    is_member_of,
    path_uuid,
    posted_date,
)
from gateway.console.permissions import may

TITLES = ("MANAGEMENT_VANGUARD", "SERVICE_MODEL")
PAGE_SIZE = 200  # the graph's largest page; a community has a handful a year
_YEARS = range(2000, 2101)

_EVALUATION_FIELDS = """
  id year title stage nominatedOn nominatedBy reason publicizedFrom publicizedUntil decidedOn
  member { id name management employerUnit community { code name nameEn } }
  feedback { id unitName unitPartyOrganization sentOn content }
"""

LIST_QUERY = (
    """
query ConsoleDual($code: String!, $year: Int!, $first: Int!) {
  community(code: $code) { code name nameEn }
  evaluations(regionCode: $code, year: $year, first: $first) {
    totalCount
    pageInfo { hasNextPage }
    nodes {"""
    + _EVALUATION_FIELDS
    + """}
  }
}"""
)

ONE_QUERY = (
    """
query ConsoleEvaluation($id: ID!) {
  evaluation(id: $id) {"""
    + _EVALUATION_FIELDS
    + """}
}"""
)

_PAYLOAD = f"evaluation {{ id stage }} {ERRORS}"

NOMINATE = f"""
mutation ConsoleNominate($memberId: ID!, $year: Int!, $title: EvaluationTitle!,
    $nominatedBy: String!, $nominatedOn: Date!, $reason: String!) {{
  nominateExcellentMember(memberId: $memberId, year: $year, title: $title,
      nominatedBy: $nominatedBy, nominatedOn: $nominatedOn, reason: $reason) {{ {_PAYLOAD} }}
}}"""

PUBLICIZE = f"""
mutation ConsolePublicize($id: ID!, $from: Date!, $until: Date!) {{
  publicizeEvaluation(id: $id, from: $from, until: $until) {{ {_PAYLOAD} }}
}}"""

DECIDE = f"""
mutation ConsoleDecide($id: ID!, $chosen: Boolean!, $decidedOn: Date!) {{
  decideEvaluation(id: $id, chosen: $chosen, decidedOn: $decidedOn) {{ {_PAYLOAD} }}
}}"""

FEEDBACK = f"""
mutation ConsoleFeedback($id: ID!, $sentOn: Date!, $content: String!, $unitName: String,
    $unitPartyOrganization: String) {{
  recordEvaluationFeedback(id: $id, sentOn: $sentOn, content: $content, unitName: $unitName,
      unitPartyOrganization: $unitPartyOrganization) {{ feedback {{ id }} {ERRORS} }}
}}"""

# The next step of an evaluation in each stage, and the form that takes it.
NEXT_STEP = {"NOMINATED": "publicize", "PUBLICIZED": "decide", "CHOSEN": "feedback"}
STEP_LABELS = {
    "publicize": "dual_publicize",
    "decide": "dual_decide",
    "feedback": "dual_record_feedback",
}


def dual_path(code: str) -> str:
    return f"{COMMUNITY}/{code}/dual"


def evaluation_path(code: str, evaluation_id: str) -> str:
    return f"{dual_path(code)}/{evaluation_id}"


def _today() -> dt.date:
    return dt.date.today()


def _year(raw: str | None) -> int:
    """The year asked for (this year when none); not a year: 404, a wrong address."""
    if not raw:
        return _today().year
    if not raw.isdigit() or int(raw) not in _YEARS:
        raise PageRefusalError(404)
    return int(raw)


async def _dual_page(
    page: Page, code: str, year: int, *, result: WriteResult | None = None, status: int = 200
) -> Response:
    answer = await page.ask(LIST_QUERY, {"code": code, "year": year, "first": PAGE_SIZE})
    community = answer.need("community", page)
    evaluations = answer.need("evaluations", page)
    writer = may(page.identity, "dual")
    posted_fields = ("year", "memberId", "title", "nominatedBy", "nominatedOn", "reason")
    # A refusal of the form this caller is not shown (a viewer posting anyway) shows at the top.
    placed = result.placed(posted_fields if writer else ()) if result else None
    return page.render(
        "community/dual.html",
        status=status,
        code=code,
        year=year,
        community=community,
        evaluations=evaluations["nodes"],
        total=evaluations["totalCount"],
        more=evaluations["pageInfo"]["hasNextPage"],
        writer=writer,
        members=await community_members(page, code) if writer else [],
        titles=TITLES,
        next_step=NEXT_STEP,
        step_labels=STEP_LABELS,
        result=placed if writer else None,
        unplaced=None if writer else placed,
        posted={name: page.field(name) for name in posted_fields} if result else {},
        today=_today().isoformat(),
        done=page.request.query_params.get("done"),
        list_url=dual_path(code),
        action=dual_path(code) + "/nominate",
        evaluation_url=lambda e: page.url(evaluation_path(code, e["id"])),
        members_url=page.url(f"{COMMUNITY}/{code}/members"),
        member_url=lambda m: page.url(f"{COMMUNITY}/{code}/members/{m['id']}"),
    )


async def dual_list(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _dual_page(page, code, _year(page.request.query_params.get("year")))


async def nominate(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    checked = WriteResult(payload=None)
    raw_year = page.field("year").strip()
    year = int(raw_year) if raw_year.isdigit() and int(raw_year) in _YEARS else None
    if year is None:
        checked.field_errors["year"] = [page.t("dual_bad_year")]
    nominated_on = posted_date(page, "nominatedOn", checked, required=True)
    if year is None or checked.field_errors:
        return await _dual_page(page, code, year or _today().year, result=checked, status=422)
    member_id = page.field("memberId")
    if not await is_member_of(page, member_id, code):
        # Only a member of this community is nominated from its page.
        checked.field_errors["memberId"] = [page.t("dual_pick_member")]
        return await _dual_page(page, code, year, result=checked, status=422)
    result = await page.write(
        NOMINATE,
        {
            "memberId": member_id,
            "year": year,
            "title": page.field("title"),
            "nominatedBy": page.field("nominatedBy"),
            "nominatedOn": nominated_on,
            "reason": page.field("reason"),
        },
        "nominateExcellentMember",
    )
    if not result.ok:
        return await _dual_page(page, code, year, result=result, status=422)
    return page.redirect(dual_path(code), year=year, done="nominated")


async def _evaluation_of(page: Page, code: str, evaluation_id: str) -> dict[str, Any]:
    """Evaluation `evaluation_id` of community `code` as the graph gives it (404 if it is
    not one of this community's)."""
    path_uuid(evaluation_id)
    answer = await page.ask(ONE_QUERY, {"id": evaluation_id})
    evaluation: dict[str, Any] = answer.need("evaluation", page)
    if evaluation["member"]["community"]["code"] != code:
        raise PageRefusalError(404)
    return evaluation


# The fields of each step's form (a refusal naming another, such as the evaluation's "id",
# is shown for the whole form).
STEP_FIELDS = {
    "publicize": ("from", "until"),
    "decide": ("chosen", "decidedOn"),
    "feedback": ("sentOn", "content", "unitName", "unitPartyOrganization"),
}

_STEP_OF = {
    "publicizeEvaluation": "publicize",
    "decideEvaluation": "decide",
    "recordEvaluationFeedback": "feedback",
}


async def _evaluation_page(
    page: Page,
    code: str,
    evaluation_id: str,
    *,
    result: WriteResult | None = None,
    posted_step: str | None = None,
) -> Response:
    evaluation = await _evaluation_of(page, code, evaluation_id)
    step = NEXT_STEP.get(evaluation["stage"]) if may(page.identity, "dual") else None
    # The refused step's form is shown again only if it is still the next step; else (a
    # viewer posting anyway, a step someone took meanwhile) its refusal shows at the top.
    in_form = result is not None and step is not None and step == posted_step
    placed = result.placed(STEP_FIELDS[step] if in_form and step else ()) if result else None
    return page.render(
        "community/dual_evaluation.html",
        status=422 if result else 200,
        code=code,
        evaluation=evaluation,
        step=step,
        result=placed if in_form else None,
        unplaced=None if in_form else placed,
        posted={name: page.field(name) for fields in STEP_FIELDS.values() for name in fields}
        if in_form
        else {},
        today=_today().isoformat(),
        done=page.request.query_params.get("done"),
        list_url=page.url(dual_path(code), year=evaluation["year"]),
        action=evaluation_path(code, evaluation_id),
        member_url=page.url(f"{COMMUNITY}/{code}/members/{evaluation['member']['id']}"),
    )


async def evaluation_detail(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _evaluation_page(page, code, page.request.path_params["id"])


async def _step(
    page: Page,
    mutation: str,
    payload: str,
    values: dict[str, Any],
    dates: dict[str, bool],
    checked: WriteResult | None = None,
) -> Response:
    """One step on an evaluation: dates (and `checked`'s errors) checked here, the rest by
    org."""
    code = page.community(page.request.path_params["code"])
    evaluation_id = page.request.path_params["id"]
    step = _STEP_OF[payload]
    await _evaluation_of(page, code, evaluation_id)
    checked = checked or WriteResult(payload=None)
    for name, required in dates.items():
        values[name] = posted_date(page, name, checked, required=required)
    if checked.field_errors:
        return await _evaluation_page(page, code, evaluation_id, result=checked, posted_step=step)
    result = await page.write(mutation, {"id": evaluation_id, **values}, payload)
    if not result.ok:
        return await _evaluation_page(page, code, evaluation_id, result=result, posted_step=step)
    return page.redirect(evaluation_path(code, evaluation_id), done=payload)


async def publicize(page: Page) -> Response:
    return await _step(page, PUBLICIZE, "publicizeEvaluation", {}, {"from": True, "until": True})


_CHOSEN = {"yes": True, "no": False}


async def decide(page: Page) -> Response:
    checked = WriteResult(payload=None)
    chosen = _CHOSEN.get(page.field("chosen"))
    if chosen is None:  # anything but the form's two choices names no decision
        checked.field_errors["chosen"] = [page.t("mem_missing")]
    values = {"chosen": chosen}
    return await _step(page, DECIDE, "decideEvaluation", values, {"decidedOn": True}, checked)


async def feedback(page: Page) -> Response:
    values = {
        "content": page.field("content"),
        "unitName": page.field("unitName").strip() or None,
        "unitPartyOrganization": page.field("unitPartyOrganization").strip() or None,
    }
    return await _step(page, FEEDBACK, "recordEvaluationFeedback", values, {"sentOn": True})


ROUTES = [
    console_route(COMMUNITY + "/{code}/dual", dual_list),
    console_route(COMMUNITY + "/{code}/dual/nominate", nominate, methods=("POST",)),
    console_route(COMMUNITY + "/{code}/dual/{id}", evaluation_detail),
    console_route(COMMUNITY + "/{code}/dual/{id}/publicize", publicize, methods=("POST",)),
    console_route(COMMUNITY + "/{code}/dual/{id}/decide", decide, methods=("POST",)),
    console_route(COMMUNITY + "/{code}/dual/{id}/feedback", feedback, methods=("POST",)),
]
