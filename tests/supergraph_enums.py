"""The supergraph's enums as the tests that sweep what users read need them: every enum with
its values, the enums no user reads as words, and the values users could be shown (one place
for the map pages' language sweep, the console's sweep and the console's enum labels)."""

from __future__ import annotations

import re

from infra.settings import ROOT

# Enums whose values only machines read: federation plumbing, error codes (their messages
# are shown), formats and layers of downloads.
MACHINE_ENUMS = frozenset(
    {
        "link__Purpose",
        "join__Graph",
        "UserErrorCode",
        "AuthErrorCode",
        "Crs",
        "ExportLayer",
        "ImportFormat",
    }
)
_ENUM = re.compile(r"^enum (\w+)[^{]*\{(.*?)^\}", re.M | re.S)


def supergraph_enums() -> dict[str, set[str]]:
    """Every enum of supergraph.graphql and its values."""
    found: dict[str, set[str]] = {}
    for name, body in _ENUM.findall((ROOT / "supergraph.graphql").read_text()):
        values = set()
        for line in body.splitlines():
            token = line.strip().split(" ", 1)[0]
            if token and not token.startswith(('"', "#")) and token.isupper():
                values.add(token)
        found[name] = values
    return found


def user_enum_values() -> set[str]:
    """Every value of an enum a user could be shown."""
    return {
        value
        for name, values in supergraph_enums().items()
        if name not in MACHINE_ENUMS
        for value in values
    }
