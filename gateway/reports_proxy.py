"""Monthly reports as .xlsx through the one public door: `/reports/...` is passed to assess.

The assess subgraph builds the workbooks (services/assess/reports/routes.py) for what the
caller's role and region allow (see gateway/passthrough.py). Nobody signed in gets 401.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.passthrough import pass_get

# Response headers worth passing back; everything else stays between gateway and assess.
_PASSED = ("content-type", "content-disposition", "cache-control")


async def report(request: Request) -> Response:
    # A district's workbook reads the graph back through the gateway first: a longer wait.
    wait = max(request.app.state.gateway.transport.fetch_timeout, 30.0)
    return await pass_get(
        request, subgraph="assess", prefix="/reports", passed=_PASSED, what="report", wait=wait
    )


ROUTES = [Route("/reports/{path:path}", report, methods=["GET"])]
