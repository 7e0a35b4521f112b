"""Tables of attested records (funds, facilities, work rule, training, work systems, activities) and evidence files."""

from __future__ import annotations

from services.assess.models import metadata  # noqa: F401
