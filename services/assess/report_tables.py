"""Tables of monthly supervision reports (月报表) of street offices, their commentary and locks."""

from __future__ import annotations

from services.assess.models import metadata  # noqa: F401
