"""Tables of the plan's milestones and each community's status against them."""

from __future__ import annotations

from services.assess.models import metadata  # noqa: F401
