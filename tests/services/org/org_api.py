"""Small helpers for org tests that go through the running org subgraph."""

from __future__ import annotations

import uuid
from typing import Any

from stack import Running

MEMBER_FIELDS = (
    "id name management organization { id } reporting { status reportedOn unit } version"
)


def mutate(running: Running, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run a mutation; return its payload (the single root field's value)."""
    result = running.post(running.subgraphs["org"], query, variables)
    assert "errors" not in result, result
    (payload,) = result["data"].values()
    return payload


def query(running: Running, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    result = running.post(running.subgraphs["org"], text, variables or {})
    assert "errors" not in result, result
    return result["data"]


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def unique(prefix: str) -> str:
    """Names unique per test run, so tests never depend on each other's rows."""
    return f"{prefix}{uuid.uuid4().hex[:6]}"


REGISTER = f"""mutation ($input: RegisterMemberInput!) {{
  registerMember(input: $input) {{
    member {{ {MEMBER_FIELDS} }} errors {{ code message messageEn field rule }} }}
}}"""


def register(running: Running, **fields: Any) -> dict[str, Any]:
    """Register a member with plausible defaults; fields override them."""
    data = {
        "name": unique("测试"),
        "gender": "F",
        "birthDate": "1980-05-01",
        "education": "BACHELOR",
        "joinedOn": "2005-07-01",
        "management": "SELF",
    } | fields
    return mutate(running, REGISTER, {"input": data})
