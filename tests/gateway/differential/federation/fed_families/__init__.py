"""Every family module in this package, found by name (each defines `FAMILY`)."""

from __future__ import annotations

import importlib
import pkgutil

from fed_model import Family

FAMILIES: tuple[Family, ...] = tuple(
    importlib.import_module(f"{__name__}.{module.name}").FAMILY
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
)
