"""A community's grading in the console (issue 16, "Assessment"): the standard's indicators
with their computed values, then the whole cycle through the pages as each role would —
a secretary opens and self-assesses (a score out of range is refused beside its indicator and
nothing is saved), the street office surveys and determines with a reason (a blank one is
refused beside the field), the history shows each step, the goals the gaps became are
edited — and at every stage a viewer sees no form, a secretary no 认定 form.

The cycle grades the demo secretary's community (410104001001) in 2010, a year no other test
uses (grading tests use 2001-2008, records 2011-2015, documents 2016, commendations
2022-2025; the browser test 2009). Its rows are deleted before and after, so nothing later
sees them. Expectations are read from the graph, never fixed numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from console_client import SignIn, csrf_of
from markupsafe import escape
from sqlalchemy import create_engine, pool, text

from gateway.console.labels import LABELS
from gateway.console.pages.assessment import RECORD_KINDS
from infra.setup import Prepared
from services.assess.records import kinds
from services.assess.records.checks import RECORD_CHECKS
from stack import DISTRICT, Running

COMMUNITY = "410104001001"  # demo-secretary's; under demo-street (410104001)
YEAR = 2010
PAGE = f"/console/assessment/{COMMUNITY}"
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
ESCAPED = str(escape(MARKUP))  # as Jinja's autoescape writes it

READ = """query ($code: String!, $year: Int!) {
  communityAssessment(communityCode: $code, year: $year) {
    id state
    standard { totalWeight grades { id name } indicators { code weight } }
    selfAssessment { total score scores { indicatorCode score } }
    survey { heldOn counts { respondents satisfied basicallySatisfied dissatisfied } }
    determination { grade { id } reason determinedBy }
    goals { id indicatorCode ownerRole dueOn status }
    snapshots { step }
  }
}"""
STANDARD = """query ($code: String!) { community(code: $code) { name nameEn }
  gradingStandard { indicators { code measured record } } }"""
PREVIEW = """query ($code: String!, $year: Int!) {
  gradingStandard { indicators { code weight } }
  gradingPreview(communityCode: $code, year: $year) { results { indicatorCode passed } }
}"""


def _clean(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:  # its scores, survey, snapshots and goals go with it
        conn.execute(
            text("DELETE FROM assess.assessment WHERE year = ANY(:y) AND community_code = :c"),
            {"y": [2009, YEAR], "c": COMMUNITY},
        )
    engine.dispose()


@pytest.fixture(scope="module")
def own_year(prepared: Prepared) -> Iterator[None]:
    _clean(prepared.database.service_urls["assess"])
    yield
    _clean(prepared.database.service_urls["assess"])


def _graph(running: Running, query: str, variables: dict) -> dict:
    answer = running.post(running.gateway, query, variables, identity=DISTRICT)
    assert "errors" not in answer, answer
    return answer["data"]


def _assessment(running: Running) -> dict | None:
    return _graph(running, READ, {"code": COMMUNITY, "year": YEAR})["communityAssessment"]


def _page(client: httpx.Client, path: str = PAGE, **params: str) -> str:
    answer = client.get(path, params={"year": str(YEAR), **params})
    assert answer.status_code == 200, answer.text
    return answer.text


def _post(client: httpx.Client, site: str, action: str, data: dict) -> httpx.Response:
    token = csrf_of(_page(client))
    return client.post(
        f"{PAGE}/{action}",
        data={**data, "year": str(YEAR), "csrf": token},
        headers={"origin": site},
        follow_redirects=False,
    )


def _forms(page: str) -> set[str]:
    """The actions of the page's POST forms (sign-out left out)."""
    actions = re.findall(r'<form method="post" action="([^"]+)"', page)
    return {a.split("?")[0].rsplit("/", 1)[-1] for a in actions if a != "/session/logout"}


def _error_beside(page: str, name: str) -> str:
    """The typed error shown beside field `name` (its input marked invalid and described)."""
    ident = "err-" + name.replace(".", "-")
    found = re.search(
        rf'<span class="field-error" id="{ident}" data-field="{name}">([^<]*)</span>', page
    )
    assert found, f"no error beside {name}"
    assert re.search(
        rf'name="{re.escape(name)}"[^>]*aria-invalid="true" aria-describedby="{ident}"', page
    )
    return html.unescape(found.group(1))


def _form_error(page: str) -> str:
    """The whole form's error (one naming no field the page shows)."""
    found = re.search(r'<div class="form-errors" role="alert">.*?<ul><li>([^<]*)</li>', page, re.S)
    assert found, "no error for the form"
    return html.unescape(found.group(1))


def _chinese(message: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", message))


def test_the_indicators_with_their_computed_values_before_any_assessment(
    signed_in: SignIn, running: Running, own_year: None
) -> None:
    preview = _graph(running, PREVIEW, {"code": COMMUNITY, "year": YEAR})
    page = _page(signed_in("demo-secretary"))
    shown = re.findall(r'<tr data-indicator="([^"]+)">', page)
    assert shown == [i["code"] for i in preview["gradingStandard"]["indicators"]]
    for result in preview["gradingPreview"]["results"]:
        row = page.split(f'<tr data-indicator="{result["indicatorCode"]}">')[1].split("</tr>")[0]
        verdict = LABELS["zh"]["asm_meets_yes" if result["passed"] else "asm_meets_no"]
        assert verdict in row
    assert LABELS["zh"]["asm_no_assessment"] in page
    assert "data-no-history" in page and LABELS["zh"]["asm_no_history"] in page
    assert _forms(page) == {"open"}
    assert _forms(_page(signed_in("demo-viewer"))) == set()
    assert LABELS["en"]["asm_indicators"] in _page(signed_in("demo-secretary"), lang="en")


def test_each_record_check_names_a_record_kind_of_assess() -> None:
    assert RECORD_KINDS.keys() == RECORD_CHECKS.keys()
    assert {kind.lower() for kind in RECORD_KINDS.values()} <= set(kinds.CODES)


def test_attested_indicators_link_their_kind_of_records_and_the_name_is_the_pages_language(
    signed_in: SignIn, running: Running, own_year: None
) -> None:
    standard = _graph(running, STANDARD, {"code": COMMUNITY})
    client = signed_in("demo-secretary")
    for lang in ("zh", "en"):
        page = _page(client, lang=lang)
        name = standard["community"]["nameEn" if lang == "en" else "name"]
        assert name in re.search(r"<h1>.*?</h1>", page, flags=re.S).group(0)  # type: ignore[union-attr]
    page = _page(client)
    attested = [i for i in standard["gradingStandard"]["indicators"] if i["measured"] == "ATTESTED"]
    assert attested
    for indicator in attested:
        row = page.split(f'<tr data-indicator="{indicator["code"]}">')[1].split("</tr>")[0]
        link = re.search(r'<a href="([^"]+)" data-records=', row)
        assert link, indicator["code"]
        kind = RECORD_KINDS[indicator["record"]]
        assert html.unescape(link.group(1)) == f"/console/records/{COMMUNITY}?kind={kind}"


def test_a_code_that_is_no_community_or_outside_the_region_is_refused(
    signed_in: SignIn,
) -> None:
    secretary = signed_in("demo-secretary")
    assert signed_in("demo-street").get("/console/assessment/410104001").status_code == 404
    assert secretary.get("/console/assessment/410104001002").status_code == 403
    assert secretary.get(PAGE, params={"year": "twenty"}).status_code == 404


def test_a_whole_cycle_through_the_pages(  # noqa: PLR0915 -- one cycle, step by step, in order
    signed_in: SignIn, site: str, running: Running, own_year: None
) -> None:
    secretary, street, viewer = (
        signed_in(u) for u in ("demo-secretary", "demo-street", "demo-viewer")
    )

    # A secretary opens the year's assessment.
    opened = _post(secretary, site, "open", {})
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == f"{PAGE}?year={YEAR}&saved=open"
    assessment = _assessment(running)
    assert assessment is not None and assessment["state"] == "SELF_ASSESSMENT"
    page = _page(secretary, saved="open")
    assert LABELS["zh"]["asm_saved_open"] in page
    assert _forms(page) == {"self"}
    assert _forms(_page(viewer)) == set()

    # Each indicator's field shows its range; one out of it is refused beside that indicator.
    indicators = assessment["standard"]["indicators"]
    for i, indicator in enumerate(indicators):
        assert f'<td class="num" id="range-{i}">0–{indicator["weight"]:g}</td>' in page
    good = {f"scores.{i}.score": str(ind["weight"] / 2) for i, ind in enumerate(indicators)}
    wrong = len(indicators) - 1
    bad = {**good, f"scores.{wrong}.score": str(indicators[wrong]["weight"] + 1)}
    refused = _post(secretary, site, "self", bad)
    assert refused.status_code == 422
    message = _error_beside(refused.text, f"scores.{wrong}.score")
    assert _chinese(message) and indicators[wrong]["code"] in message
    assert f'value="{indicators[wrong]["weight"] + 1}"' in refused.text  # what was typed stays
    assert _assessment(running) == assessment  # nothing saved
    english = _post(secretary, site, "self", {**bad, "lang": "en"})
    assert english.status_code == 422 and 'lang="en"' in english.text
    message = _error_beside(english.text, f"scores.{wrong}.score")
    assert not _chinese(message) and indicators[wrong]["code"] in message
    # A viewer posting the form anyway is refused by the service, in Chinese, nothing saved.
    refused = _post(viewer, site, "self", good)
    assert refused.status_code == 422
    assert _chinese(_form_error(refused.text))
    assert _assessment(running) == assessment

    # A good one goes through, and the page shows the score.
    notes = {"scores.0.note": MARKUP, "note": "自查"}
    assert _post(secretary, site, "self", {**good, **notes}).status_code == 303
    assessment = _assessment(running)
    assert assessment["state"] == "OPINION_SURVEY"
    assert assessment["selfAssessment"]["total"] == pytest.approx(
        sum(float(v) for v in good.values())
    )
    page = _page(secretary)
    assert f'data-self-score="{assessment["selfAssessment"]["score"]}"' in page
    assert ESCAPED in page and MARKUP not in page
    # The survey and the determination are the street office's: a secretary sees neither.
    assert _forms(page) == set()
    assert _forms(_page(viewer)) == set()

    # The street office surveys. A date out of the year's range and a group with no ratings
    # (the members' left blank, so the residents' is the first sent) are refused beside them.
    assert _forms(_page(street)) == {"survey"}
    zeros = {f"counts.1.{f}": "0" for f in ("satisfied", "basicallySatisfied", "dissatisfied")}
    refused = _post(street, site, "survey", {"heldOn": f"{YEAR + 2}-01-01", **zeros})
    assert refused.status_code == 422
    assert _chinese(_error_beside(refused.text, "heldOn"))
    assert _chinese(_error_beside(refused.text, "counts.1.satisfied"))
    assert 'id="err-counts-0-satisfied"' not in refused.text
    assert _assessment(running) == assessment
    counts = {"counts.0.satisfied": "30", "counts.0.basicallySatisfied": "8", "counts.0.dissatisfied": "2",
              "counts.1.satisfied": "50", "counts.1.basicallySatisfied": "20", "counts.1.dissatisfied": "5"}  # fmt: skip
    surveyed = _post(street, site, "survey", {"heldOn": f"{YEAR}-05-08", **counts})
    assert surveyed.status_code == 303, surveyed.text
    assessment = _assessment(running)
    assert assessment["survey"]["heldOn"] == f"{YEAR}-05-08"
    assert [(c["respondents"], c["satisfied"], c["basicallySatisfied"], c["dissatisfied"])
            for c in assessment["survey"]["counts"]] == [("MEMBERS", 30, 8, 2), ("RESIDENTS", 50, 20, 5)]  # fmt: skip
    street_page = _page(street)
    assert _forms(street_page) == {"survey", "determine"}  # a survey may be corrected…
    assert re.search(r'name="counts\.1\.dissatisfied"[^>]*value="5"', street_page)  # …from it
    assert _forms(_page(secretary)) == set()
    assert _forms(_page(viewer)) == set()

    # A determination without its reason is refused beside the field; nothing changes.
    grade = assessment["standard"]["grades"][0]
    refused = _post(street, site, "determine", {"gradeId": grade["id"], "reason": "  "})
    assert refused.status_code == 422
    assert _chinese(_error_beside(refused.text, "reason"))
    assert _assessment(running) == assessment

    # With a reason (markup in it), it goes through; the reason comes back escaped.
    determined = _post(street, site, "determine", {"gradeId": grade["id"], "reason": MARKUP})
    assert determined.status_code == 303, determined.text
    assessment = _assessment(running)
    assert assessment["state"] == "DETERMINED"
    assert assessment["determination"]["reason"] == MARKUP
    page = _page(street)
    assert ESCAPED in page and MARKUP not in page

    # The history: each step, who took it.
    steps = re.findall(r'<tr data-step="(\w+)"><th scope="row">[^<]+</th><td>([^<]+)</td>', page)
    assert steps == [
        ("OPEN", "demo-secretary"),
        ("SELF_ASSESS", "demo-secretary"),
        ("SURVEY", "demo-street"),
        ("DETERMINE", "demo-street"),
    ]
    assert [s["step"] for s in assessment["snapshots"]] == [
        "OPENED", "SELF_ASSESSED", "SURVEYED", "DETERMINED"
    ]  # fmt: skip
    assert _forms(_page(viewer)) == set()
    assert "/goals/" not in _page(viewer)

    # The gaps became goals, each listed; a secretary edits one.
    goals = assessment["goals"]
    shown = re.findall(r'<tr data-goal="([^"]+)">', _page(secretary))
    assert shown == [g["id"] for g in goals]
    if goals:
        _edit_a_goal(secretary, site, running, goals[0])
        _a_viewers_goal_edit_shows_the_refusal(viewer, site, running, goals[0])


def _a_viewers_goal_edit_shows_the_refusal(
    client: httpx.Client, site: str, running: Running, goal: dict
) -> None:
    """A viewer is shown no form; posting one anyway gets the service's refusal, shown."""
    from gateway.console.pages.assessment import UPDATE_GOAL
    from services.common.auth import Identity, Role

    viewer = Identity("test-viewer", Role.VIEWER, "410104")  # as demo-viewer
    body = running.post(
        running.gateway, UPDATE_GOAL, {"id": goal["id"], "text": "x"}, identity=viewer
    )
    payload = (body.get("data") or {}).get("updateImprovementGoal") or {}
    expected = [e["message"] for e in payload.get("errors") or body.get("errors") or []]
    assert expected, body
    before = _assessment(running)["goals"]
    path = f"{PAGE}/goals/{goal['id']}"
    token = csrf_of(client.get("/console").text)
    answer = client.post(
        path, data={"text": "x", "year": str(YEAR), "csrf": token}, headers={"origin": site}
    )
    assert answer.status_code == 422
    shown = re.findall(
        r'<div class="form-errors" role="alert">.*?<ul>(.*?)</ul>', answer.text, re.S
    )
    assert expected[0] in [
        html.unescape(m) for b in shown for m in re.findall(r"<li>(.*?)</li>", b)
    ]
    assert _assessment(running)["goals"] == before


def _edit_a_goal(client: httpx.Client, site: str, running: Running, goal: dict) -> None:
    path = f"{PAGE}/goals/{goal['id']}"
    form = _page(client, path)
    token = csrf_of(form)
    base = {"text": "整改：" + MARKUP, "owner": "STREET", "dueOn": goal["dueOn"],
            "status": "DONE", "doneOn": "2999-01-01", "year": str(YEAR), "csrf": token}  # fmt: skip
    refused = client.post(path, data=base, headers={"origin": site}, follow_redirects=False)
    assert refused.status_code == 422
    assert _chinese(_error_beside(refused.text, "doneOn"))
    assert _assessment(running)["goals"][0] == goal  # nothing changed
    saved = client.post(
        path,
        data={**base, "status": "OPEN", "doneOn": ""},
        headers={"origin": site},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and LABELS["zh"]["asm_saved_goal"] in saved.text
    changed = _assessment(running)["goals"][0]
    assert (changed["ownerRole"], changed["status"]) == ("STREET", "OPEN")
    assert ESCAPED in saved.text and MARKUP not in saved.text
