"""Tables of star ratings (星级模范), five-good organizations (五好) and July-1 commendation lists."""

from __future__ import annotations

from services.assess.models import metadata  # noqa: F401
