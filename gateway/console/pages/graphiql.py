"""`/console/graphiql`: GraphiQL signed in from the page session, and `/console/graphql`, the
endpoint its fetcher posts to.

The page never holds the access token: the sign-in cookie is HttpOnly and the fetcher
(static/console/graphiql-init.js) sends the page's CSRF token (`<meta name="csrf-token">`) in
`X-CSRF-Token`. `/console/graphql` is a console route, so the one chokepoint refuses a
request without that token, from another site, or from nobody signed in, before the
operation is read; the operation then runs as the caller (`run_outcome_as`), with the same role and
scope checks as `/graphql` for that user, and its GraphQL body comes back as JSON.

GraphiQL opens with example operations of the common tasks (one tab each, commented in
Chinese), their variables filled with the caller's own region; tests validate each against
the API schema.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from gateway.auth.web import run_outcome_as
from gateway.console.nav import BASE, GRAPHIQL
from gateway.console.page import Page, console_route
from gateway.graphiql import ASSETS
from gateway.http import JSON, HTTPRequestError, problem_response, read_params, render
from gateway.settings import GatewaySettings

ENDPOINT = BASE + "/graphql"
COMMUNITY_LEVEL = 12


@dataclass(frozen=True)
class Example:
    """A tab of GraphiQL: its operation (commented in Chinese) and its variables."""

    key: str
    query: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class Place:
    """Where the caller's examples point: its region, a community and a street in it."""

    region: str
    community: str
    street: str
    today: dt.date


COVERAGE = """# 查询社区覆盖率：辖区内楼栋的党组织覆盖情况，逐个社区列出。
# 变量 regionCode：区（6 位）、街道（9 位）或社区（12 位）区划代码，须在本人辖区内。
# 按 Ctrl-Enter（或上方运行按钮）运行；右侧 Docs 可查看每个字段的说明。
query CommunityCoverage($regionCode: String!) {
  coverage(regionCode: $regionCode) {
    regionCode
    buildings # 楼栋数
    covered # 已覆盖的楼栋数
    percent # 覆盖率（%）
    orphans # 未划入网格的楼栋数
    communities {
      code
      community {
        name
      }
      percent
      zonesWithoutOrganization # 尚未建立党组织的网格数
    }
  }
}
"""

SITTING = """# 记录支部委员会会议：党委（总支、支部）集体决策制度的一次会议。
# 社区党组织书记、办事处、区委组织部可记录本辖区社区的会议；会议记录必填。
# 佐证材料（会议记录 PDF、照片）先上传：POST /files/evidence?community=<社区代码>&name=<文件名>，
# 再把返回的编号填入 evidenceIds。
# 出错时 errors 给出中文提示（message）和出错的字段（field），不写入任何数据。
mutation RecordCommitteeMeeting($input: RecordSittingInput!) {
  recordSitting(input: $input) {
    record {
      id
      kind
      occurredOn
      recordedBy
    }
    errors {
      code
      message
      field
    }
  }
}
"""

SELF_ASSESSMENT = """# 自查自评：社区党组织对照《分类定级参考标准》逐项打分。
# 第一步：运行 ThisYearsAssessment，查看本年度的测评及各项指标（尚未开启时，社区党组织书记、
# 办事处或区委组织部均可开启）。
# 第二步：把测评编号填入变量 assessmentId，按指标代码填写 scores，运行 SelfAssess。
# 每项得分不得超过该指标的分值；出错时 errors 指明是哪一项。
query ThisYearsAssessment($communityCode: String!, $year: Int!) {
  communityAssessment(communityCode: $communityCode, year: $year) {
    id
    state
    stateName
    indicators {
      code
      name
    }
  }
}

mutation SelfAssess($assessmentId: ID!, $scores: [SelfScoreInput!]!) {
  recordSelfAssessment(assessmentId: $assessmentId, scores: $scores, note: "自查自评") {
    assessment {
      id
      stateName
      selfAssessment {
        total
      }
    }
    errors {
      code
      message
      field
    }
  }
}
"""

MONTHLY_REPORT = """# 生成月报：办事处生成本街道某月的月报表（实时数据快照，及与上月相比的变化）。
# 生成后可修改三部分评述并报送；downloadPath 是 Excel 月报表的下载地址。
# 变量 month 的格式为 YYYY-MM，不能晚于本月。
mutation GenerateMonthlyReport($streetCode: String!, $month: String!) {
  generateMonthlyReport(streetCode: $streetCode, month: $month) {
    report {
      id
      streetName
      month
      status
      downloadPath
    }
    errors {
      code
      message
      field
    }
  }
}
"""

STARS = """# 查看星级评定：辖区内各星级模范楼栋党支部（党小组）本年度的测算星级和已评定星级。
query StarRatings($regionCode: String!, $year: Int!) {
  starRatings(regionCode: $regionCode, year: $year) {
    unitName
    communityCode
    computedStars # 按实时数据测算的星级
    awardedStars # 办事处评定的星级（未评定为 null）
    reason
  }
}
"""


def examples(place: Place) -> list[Example]:
    """The example tabs, their variables in `place`."""
    today = place.today
    return [
        Example("coverage", COVERAGE, {"regionCode": place.region}),
        Example(
            "sitting",
            SITTING,
            {
                "input": {
                    "communityCode": place.community,
                    "system": "COLLECTIVE_DECISION",
                    "heldOn": today.isoformat(),
                    "minutes": "研究本月主题党日活动安排",
                    "attendeeCount": 5,
                    "evidenceIds": [],
                }
            },
        ),
        Example(
            "self_assessment",
            SELF_ASSESSMENT,
            {
                "communityCode": place.community,
                "year": today.year,
                "assessmentId": "",
                "scores": [{"indicatorCode": "P1", "score": 4, "note": ""}],
            },
        ),
        Example(
            "monthly_report",
            MONTHLY_REPORT,
            {"streetCode": place.street, "month": today.strftime("%Y-%m")},
        ),
        Example("stars", STARS, {"regionCode": place.region, "year": today.year}),
    ]


FIRST_COMMUNITY = "query ($r: String!) { communities(regionCode: $r) { code } }"


async def _place(page: Page) -> Place:
    """The caller's region, and a community of it for the examples that need one."""
    region = page.identity.region
    community = region
    if len(region) != COMMUNITY_LEVEL:
        found = await page.ask(FIRST_COMMUNITY, {"r": region})
        codes = [c["code"] for c in found.data.get("communities") or []]
        community = codes[0] if codes else region
    street = region[:9] if len(region) >= 9 else community[:9]
    return Place(region, community, street, dt.date.today())


async def show(page: Page) -> Response:
    tabs = [
        {
            "key": e.key,
            "query": e.query,
            "variables": json.dumps(e.variables, ensure_ascii=False, indent=2),
        }
        for e in examples(await _place(page))
    ]
    return page.render("graphiql/graphiql.html", tabs=tabs, endpoint=ENDPOINT, assets=ASSETS)


async def graphql(page: Page) -> Response:
    """One GraphQL request from the console's GraphiQL, run as the signed-in caller."""
    settings: GatewaySettings = page.request.app.state.settings
    try:
        params = await read_params(page.request, max_body_bytes=settings.max_body_bytes)
    except HTTPRequestError as problem:
        return problem_response(problem, JSON)
    outcome = await run_outcome_as(
        page.request, page.identity, params.query, params.variables, params.operation_name
    )
    # The gateway's own status and headers (a throttled operation's 429 and Retry-After).
    return render(
        outcome.body, status=outcome.status or 200, media_type=JSON, headers=outcome.headers
    )


ROUTES = [
    console_route(GRAPHIQL, show),
    console_route(ENDPOINT, graphql, methods=("POST",)),
]
