"""The refused features of a geometry import as a file to fix and import again: a GeoJSON
FeatureCollection in WGS-84 (RFC 7946, so no `crs` member: a re-import needs no --crs),
each feature with its original properties as read and why it was refused, in Chinese
(`拒绝原因`) and English (`refused_reason`); columns of those names are ignored on import.

Built in a geometry worker (module-level, picklable job): the file is read again, which
costs a read only when something was refused.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import shapely

from services.grid.transfer.files import SourceFile, read_features

REASON_ZH = "拒绝原因"
REASON_EN = "refused_reason"


def file_name(kind: str) -> str:
    """The name the file is offered under, e.g. refused-buildings.geojson."""
    return f"refused-{kind}.geojson"


def _value(value: Any) -> Any:
    """A property value as JSON: numbers and text as they are, dates as ISO text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bytes | bytearray):
        return None  # a blob column: nothing a user could fix in a text editor
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _geometry(shape: Any) -> dict | None:
    """The shape as GeoJSON; None for a missing one or one whose numbers are not finite."""
    if shape is None or shape.is_empty:
        return None
    if not np.isfinite(shapely.get_coordinates(shape)).all():
        return None
    return json.loads(shapely.to_geojson(shape))


def build(source: SourceFile, reasons: dict[int, tuple[str, str]]) -> bytes:
    """The features numbered in `reasons` (1-based, in file order) with their reasons."""
    _, shapes, columns, _ = read_features(source)
    features = []
    for number in sorted(reasons):
        index = number - 1
        properties = {name: _value(values[index]) for name, values in columns.items()}
        properties.pop(REASON_ZH, None)  # a re-refused file: the new reason only
        properties.pop(REASON_EN, None)
        zh, en = reasons[number]
        properties[REASON_ZH], properties[REASON_EN] = zh, en
        geometry = _geometry(shapes[index])
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=None).encode()
