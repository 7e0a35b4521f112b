"""Tables of the grading workflow per community and year: self-assessment, opinion survey, determination, improvement goals."""

from __future__ import annotations

from services.assess.models import metadata  # noqa: F401
