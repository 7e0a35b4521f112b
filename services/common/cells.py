"""One reading of a spreadsheet or attribute cell (XLSX, CSV, DBF, GeoPackage...), for every
import: region lists, rosters, geometry files.

- `text_cell`: a text cell trimmed by the one text rule (services.common.text.trimmed: white
  space, NBSP included, at both ends; a zero-width character is kept, so a code carrying one
  is refused rather than silently mended); blank and NaN read as "", a whole number typed in
  a text column as itself without Excel's `.0`.
- `code_cell`: a code cell as text: Excel keeps long digit strings as numbers
  (410104001001.0), a leading apostrophe forces text in Excel. Nothing else is normalised:
  full-width digits stay full-width, so the one region-code rule refuses them (issue 12).
"""

from __future__ import annotations

import math
from typing import Any

from services.common.text import trimmed


def _plain(value: Any) -> Any:
    """A numpy scalar as its Python value; NaN (a blank numeric field) as None."""
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, str | bytes):
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def text_cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return trimmed(str(value))


def code_cell(value: Any) -> str:
    text = text_cell(value)
    if text.endswith(".0") and text[:-2].isascii() and text[:-2].isdigit():
        return text[:-2]  # a code exported as text from a number column
    return text.removeprefix("'")
