"""`/console/commendations/<region code>`: star ratings (星级评定), five-good community Party
organizations (五好) and the July-1 list (七一表彰) of a year, with the forms of the roles
the assess service accepts (street offices rate, attest and nominate; the district decides,
drafts, edits and publishes).

Star ratings and the five-good evaluation are computed from the live graph per community, so
they are shown on a community's page; above a community the page lists its communities, the
five-good nominations and the July-1 list. Each form posts to its own path under the page and
comes back to it (303) when the write went through, or shows the page again with each typed
error beside the field it names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, Answer, WriteResult
from gateway.console.labels.enums import enum_label
from gateway.console.nav import COMMENDATIONS
from gateway.console.page import Page, console_route
from gateway.console.pages.members import is_member_of
from gateway.console.permissions import may
from gateway.console.templating import local_name

COMMUNITY_LEVEL = 12

# Members offered for a nomination at once; the page finds others by name (`?member=`).
MEMBER_CHOICES = 200

# One read per page (the gateway fetches the subgraphs side by side): a community's page,
# and the page of a street or the district.
_NOMINATIONS_AND_LIST = """
  region(code: $r) { name nameEn }
  communities(regionCode: $r) { code name nameEn }
  fiveGoodOrganizations(regionCode: $r, year: $y) {
    communityCode organizationName stage note nominatedBy decidedBy decisionReason
  }
  commendationList(regionCode: $r, year: $y) {
    id year state draftedAt publishedBy publishedAt
    entries { id category name communityCode management partTimeMember source reason
              basis { text textEn } }
  }"""
COMMUNITY_PAGE = f"""query ($r: String!, $y: Int!, $members: Boolean!, $name: String) {{
  starRatings(regionCode: $r, year: $y) {{
    unitId unitName unitKind leaderName computedStars awardedStars reason awardedBy
    criteria {{ code name nameEn met }}
  }}
  commendationCriteria {{ maxStars starCriteria {{ code star name nameEn attested }} }}
  fiveGoodEvaluation(communityCode: $r, year: $y) {{
    organizationName meetsAll stage note nominatedBy decidedBy decisionReason
    goods {{ code name nameEn met conditions {{ title titleEn met detail detailEn }} }}
  }}
  members(filter: {{regionCode: $r, nameContains: $name}}, first: {MEMBER_CHOICES})
      @include(if: $members) {{
    nodes {{ id name }} pageInfo {{ hasNextPage }}
  }}
  {_NOMINATIONS_AND_LIST}
}}"""
REGION_PAGE = f"""query ($r: String!, $y: Int!) {{
  {_NOMINATIONS_AND_LIST}
}}"""

AWARD = f"""mutation ($unitId: ID!, $year: Int!, $stars: Int!, $reason: String!) {{
  awardStars(unitId: $unitId, year: $year, stars: $stars, reason: $reason) {{
    rating {{ unitId }} {ERRORS} }} }}"""
ATTEST = f"""mutation ($unitId: ID!, $year: Int!, $criterion: String!, $note: String!) {{
  attestStarCriterion(unitId: $unitId, year: $year, criterion: $criterion, note: $note) {{
    attestation {{ unitId }} {ERRORS} }} }}"""
NOMINATE_FIVE = f"""mutation ($communityCode: String!, $year: Int!, $note: String!) {{
  nominateFiveGood(communityCode: $communityCode, year: $year, note: $note) {{
    evaluation {{ stage }} {ERRORS} }} }}"""
DECIDE_FIVE = f"""mutation ($communityCode: String!, $year: Int!, $confirmed: Boolean!,
                             $reason: String!) {{
  decideFiveGood(communityCode: $communityCode, year: $year, confirmed: $confirmed,
                 reason: $reason) {{ evaluation {{ stage }} {ERRORS} }} }}"""
DRAFT = f"""mutation ($regionCode: String!, $year: Int!) {{
  draftCommendationList(regionCode: $regionCode, year: $year) {{
    commendationList {{ id }} {ERRORS} }} }}"""
PUBLISH = f"""mutation ($regionCode: String!, $year: Int!) {{
  publishCommendationList(regionCode: $regionCode, year: $year) {{
    commendationList {{ id }} {ERRORS} }} }}"""
NOMINATE_MEMBER = f"""mutation ($year: Int!, $memberId: ID!, $category: CommendationCategory!,
                                $reason: String!) {{
  nominateForCommendation(year: $year, memberId: $memberId, category: $category,
                          reason: $reason) {{ entry {{ id }} {ERRORS} }} }}"""
REMOVE = f"""mutation ($entryId: ID!) {{
  removeCommendationEntry(entryId: $entryId) {{ commendationList {{ id }} {ERRORS} }} }}"""

# The categories a street office may nominate for (the service refuses the others).
NOMINABLE = ("EXCELLENT_PARTY_WORKER", "EXCELLENT_MEMBER")


def _year(text: str | None) -> int:
    """The page's year (`?year=`, or a form's hidden `year`); this year when absent or not
    a year. The service bounds the years a write may name."""
    if text and text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    return dt.date.today().year


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


async def _view(
    page: Page, code: str, year: int, results: dict[str, WriteResult] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    """The page of `code` and `year`; `results`: a refused form's outcome, by form name."""
    values = await _values(page, code, year, results)
    return page.render("commendations/commendations.html", status=status, **values)


async def _values(
    page: Page, code: str, year: int, results: dict[str, WriteResult] | None = None
) -> dict[str, Any]:
    """What the page shows: its reads, and the forms it shows (`shown`, by form name)."""
    community = len(code) == COMMUNITY_LEVEL
    values: dict[str, Any] = {
        "code": code, "year": year, "community": community,
        "results": results or {}, "posted": _posted(page),
        "street_forms": may(page.identity, STREET),
        "district_forms": may(page.identity, DISTRICT),
        "done": page.request.query_params.get("done", ""),
        "base": f"{COMMENDATIONS}/{code}",
    }  # fmt: skip
    if community:
        # The name search the member was picked from: the query, or (a form shown again
        # after a refusal) the posted search, so the pick is still among the choices.
        searched = page.field("member") if page.form is not None else None
        name = (searched or page.request.query_params.get("member", "")).strip() or None
        values["member_query"] = name or ""
        answer = await page.ask(
            COMMUNITY_PAGE,
            {"r": code, "y": year, "members": values["street_forms"], "name": name},
        )
        _community_parts(page, answer, values)
    else:
        answer = await page.ask(REGION_PAGE, {"r": code, "y": year})
        values["communities"] = answer.need("communities", page)
    values["nominations"] = answer.need("fiveGoodOrganizations", page)
    # Communities are shown by name (the 五好 nominations and the 七一 list carry codes only).
    values["community_names"] = {c["code"]: c for c in answer.data.get("communities") or []}
    names = values["community_names"]
    values["decide_options"] = [
        (
            c,
            f"{n['organizationName']}{page.t('lp')}{local_name(page.lang, names.get(c), c)}"
            f"{page.t('rp')}",
        )
        for n in values["nominations"]
        if n["stage"] == "NOMINATED"
        for c in [n["communityCode"]]
    ]
    # A refused decision shows the community it named, even one not (or no longer) nominated.
    named = values["posted"].get("communityCode") or code
    if results and "decide-five" in results and named not in dict(values["decide_options"]):
        values["decide_options"].append((named, named))
    values["july"] = answer.data.get("commendationList")  # null: not drafted yet
    place = answer.data.get("region") or {}
    values["place"] = place.get("nameEn" if page.lang == "en" else "name") or code
    values["shown"] = _shown(values)
    return values


def _shown(values: dict[str, Any]) -> set[str]:
    """The forms the page shows (the template draws these and no others): a refusal of any
    other form is shown at the top of the page."""
    street, district = values["street_forms"], values["district_forms"]
    july = values["july"]
    open_list = not july or july["state"] == "DRAFT"
    evaluation = values.get("evaluation")
    on_community = values["community"]
    shown = {
        "award": street and on_community and bool(values.get("ratings")),
        "attest": street and on_community and bool(values.get("ratings"))
        and bool(values.get("attest_options")),
        # 推荐为五好 only while the community is not nominated (nor decided) this year
        "nominate-five": street and on_community and not (evaluation and evaluation["stage"]),
        "decide-five": district and bool(values["decide_options"]),
        "nominate-member": street and on_community and open_list
        and bool(values.get("member_options")),
        "draft": district and open_list,
        "publish": district and open_list,
        "remove": district and bool(july) and july["state"] == "DRAFT" and bool(july["entries"]),
    }  # fmt: skip
    return {name for name, on in shown.items() if on}


async def _offered(page: Page, name: str, code: str, values: dict[str, Any]) -> list[str]:
    """The posted ids of form `name` that the page of `code` does not offer: a form of one
    community never writes to another (a unit, a member, an entry of it)."""
    picks: dict[str, tuple[str, set[str]]] = {}
    if name in ("award", "attest"):
        picks["unitId"] = ("unitId", {unit for unit, _ in values.get("unit_options") or []})
    elif name == "decide-five":
        nominated = {n["communityCode"] for n in values["nominations"]}
        picks["communityCode"] = ("communityCode", nominated | {code})
    elif name == "nominate-member":
        # Any member of the community (the page finds one by name), however far down its list.
        member = page.field("memberId")
        mine = len(code) == COMMUNITY_LEVEL and await is_member_of(page, member, code)
        picks["memberId"] = ("memberId", {member} if mine else set())
    elif name == "remove":
        july = values["july"] or {}
        picks["entryId"] = ("entryId", {e["id"] for e in july.get("entries") or []})
    return [arg for arg, (field, ids) in picks.items() if page.field(field) not in ids]


def _community_parts(page: Page, answer: Answer, values: dict[str, Any]) -> None:
    """A community's star ratings and five-good evaluation, and its forms' choices."""
    ratings = answer.need("starRatings", page)
    criteria = answer.data.get("commendationCriteria") or {"maxStars": 5, "starCriteria": []}
    name = "nameEn" if page.lang == "en" else "name"
    members = answer.data.get("members") or {}
    nodes = members.get("nodes") or []
    values.update(
        ratings=ratings,
        max_stars=criteria["maxStars"],
        unit_options=[(r["unitId"], r["unitName"]) for r in ratings],
        attest_options=[
            (c["code"], f"{c[name]}{page.t('lp')}{c['star']}★{page.t('rp')}")
            for c in criteria["starCriteria"]
            if c["attested"]
        ],
        category_options=[(c, enum_label("CommendationCategory", c, page.lang)) for c in NOMINABLE],
        member_options=[(m["id"], m["name"]) for m in nodes],
        more_members=bool((members.get("pageInfo") or {}).get("hasNextPage")),
        evaluation=answer.data.get("fiveGoodEvaluation"),
    )


def _posted(page: Page) -> dict[str, str]:
    if page.form is None:
        return {}
    return {k: v for k, v in page.form.items() if isinstance(v, str) and k != "csrf"}


async def show(page: Page) -> Response:
    code = page.region(page.request.path_params["code"])
    return await _view(page, code, _year(page.request.query_params.get("year")))


Variables = Callable[[Page, str, int], dict[str, Any] | None]


def _form(
    name: str, family: str, mutation: str, payload: str, variables: Variables,
    fields: tuple[str, ...],
) -> Callable[[Page], Awaitable[Response]]:  # fmt: skip
    """The POST handler of form `name`: run `mutation` with the form's `variables`, then
    back to the page (303), or the page again with the errors beside `fields` (an error
    naming any other input, such as the hidden year, is shown for the whole form). The
    service decides: a caller not shown the form (`family`) who posts it all the same gets
    the service's refusal at the top of the page."""

    async def handle(page: Page) -> Response:
        code = page.region(page.request.path_params["code"])
        year = _year(page.field("year"))
        sent = variables(page, code, year)
        writer = may(page.identity, family)
        # Any other caller gets the service's own refusal; a writer's ids are the page's.
        bad = await _offered(page, name, code, await _values(page, code, year)) if writer else []
        if bad:
            result = WriteResult(None, {arg: [page.t("form_not_offered")] for arg in bad})
        elif sent is None:  # a field the browser must send is missing or malformed
            result = WriteResult(payload=None, form_errors=[page.t("form_problem")])
        else:
            result = await page.write(mutation, sent, payload)
        if result.ok:
            return page.redirect(f"{COMMENDATIONS}/{code}", year=year, done=name)
        values = await _values(page, code, year, {name: result})
        if name in values["shown"]:
            values["results"] = {name: result.placed(fields)}
        else:  # a role not shown the form, a step taken meanwhile: the top of the page
            values["results"] = {"page": result.placed(())}
        return page.render("commendations/commendations.html", status=422, **values)

    return handle


def _award(page: Page, code: str, year: int) -> dict[str, Any] | None:
    stars = _int(page.field("stars"))
    if stars is None:
        return None
    return {"unitId": page.field("unitId"), "year": year, "stars": stars,
            "reason": page.field("reason")}  # fmt: skip


def _attest(page: Page, code: str, year: int) -> dict[str, Any]:
    return {"unitId": page.field("unitId"), "year": year,
            "criterion": page.field("criterion"), "note": page.field("note")}  # fmt: skip


def _nominate_five(page: Page, code: str, year: int) -> dict[str, Any]:
    return {"communityCode": code, "year": year, "note": page.field("note")}


def _decide_five(page: Page, code: str, year: int) -> dict[str, Any] | None:
    decision = page.field("confirmed")
    if decision not in ("true", "false"):
        return None
    return {"communityCode": page.field("communityCode"), "year": year,
            "confirmed": decision == "true", "reason": page.field("reason")}  # fmt: skip


def _region_year(page: Page, code: str, year: int) -> dict[str, Any]:
    return {"regionCode": code, "year": year}


def _nominate_member(page: Page, code: str, year: int) -> dict[str, Any] | None:
    category = page.field("category")
    if category not in NOMINABLE:
        return None
    return {"year": year, "memberId": page.field("memberId"), "category": category,
            "reason": page.field("reason")}  # fmt: skip


def _remove(page: Page, code: str, year: int) -> dict[str, Any]:
    return {"entryId": page.field("entryId")}


PATH = COMMENDATIONS + "/{code}"
STREET, DISTRICT = "commend_street", "commend_district"
FORMS = (
    ("award", STREET, AWARD, "awardStars", _award, ("unitId", "stars", "reason")),
    ("attest", STREET, ATTEST, "attestStarCriterion", _attest, ("unitId", "criterion", "note")),
    ("nominate-five", STREET, NOMINATE_FIVE, "nominateFiveGood", _nominate_five, ("note",)),
    ("decide-five", DISTRICT, DECIDE_FIVE, "decideFiveGood", _decide_five,
     ("communityCode", "confirmed", "reason")),
    ("draft", DISTRICT, DRAFT, "draftCommendationList", _region_year, ()),
    ("publish", DISTRICT, PUBLISH, "publishCommendationList", _region_year, ()),
    ("nominate-member", STREET, NOMINATE_MEMBER, "nominateForCommendation", _nominate_member,
     ("memberId", "category", "reason")),
    ("remove", DISTRICT, REMOVE, "removeCommendationEntry", _remove, ()),
)  # fmt: skip

ROUTES = [
    console_route(PATH, show),
    *(
        console_route(f"{PATH}/{form[0]}", _form(*form), methods=("POST",))
        for form in FORMS
    ),
]  # fmt: skip
