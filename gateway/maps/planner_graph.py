"""What the planner page asks of the graph: its state, and each edit as one grid mutation.

The page posts an edit as JSON (`{"op": "redraw", ...}`); `mutation_for` turns it into the
grid's planner mutation (services/grid/graph/planner.py) with `dryRun` set by the route, so a
preview and its commit are the same call. Bad input is refused here with a typed error
before anything reaches the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.maps.queries import FIGURES

# PlanResult, as the page shows it: the diff, coverage before and after (the covered share
# and severe gaps first), findings with their severity, errors.
RESULT = """
  changeSet { id number kind }
  diff {
    zonesCreated zonesDeleted
    buildings {
      buildingId
      before { zoneId branch { id name } group { id name } }
      after { zoneId branch { id name } group { id name } }
    }
  }
  coverageBefore { buildings withGroup orphans zones zonesWithoutOrganization percent
    gapsWithMembers }
  coverageAfter { buildings withGroup orphans zones zonesWithoutOrganization percent
    gapsWithMembers }
  findings { code message messageEn repaired zoneId severity }
  errors { code message messageEn field rule }
  currentVersion
"""

STATE_QUERY = f"""
query PlannerState($code: String!) {{
  coverage(regionCode: $code) {{ {FIGURES} }}
  community(code: $code) {{
    code name boundary
    organization {{ name kind }}
    zones {{
      id name version boundary
      organization {{ id name }}
      buildings {{
        id name version footprint coverageState partyGroup {{ id name }} residentMemberCount
      }}
    }}
    orphanBuildings {{
      id name version footprint coverageState partyGroup {{ id name }} residentMemberCount
    }}
  }}
  organizations(regionCode: $code, kind: PARTY_GROUP, first: 200) {{ nodes {{ id name }} }}
  changeSets(communityCode: $code, first: 1) {{ totalCount }}
}}"""

ZONES_QUERY = """
query PlannerZones($code: String!) { community(code: $code) { zones { id version boundary } } }
"""


def _document(name: str, params: str, call: str) -> str:
    return f"mutation {name}({params}, $dryRun: Boolean!) {{ result: {call} {{ {RESULT} }} }}"


MUTATIONS = {
    "redraw": _document(
        "PlannerRedraw",
        "$zoneId: ID!, $boundary: GeoJSON!, $expectedVersion: Int!",
        "redrawZone(zoneId: $zoneId, boundary: $boundary, expectedVersion: $expectedVersion, "
        'reason: "planner page", dryRun: $dryRun)',
    ),
    "create": _document(
        "PlannerCreate",
        "$code: String!, $name: String!, $boundary: GeoJSON!, $organizationId: ID",
        "createZone(communityCode: $code, name: $name, boundary: $boundary, "
        'organizationId: $organizationId, reason: "planner page", dryRun: $dryRun)',
    ),
    "split": _document(
        "PlannerSplit",
        "$zoneId: ID!, $line: GeoJSON!, $expectedVersion: Int!, $newZoneName: String!",
        "splitZone(zoneId: $zoneId, line: $line, expectedVersion: $expectedVersion, "
        'newZoneName: $newZoneName, reason: "planner page", dryRun: $dryRun)',
    ),
    "merge": _document(
        "PlannerMerge",
        "$zoneIds: [ID!]!, $expectedVersions: [Int!]!",
        "mergeZones(zoneIds: $zoneIds, expectedVersions: $expectedVersions, "
        'reason: "planner page", dryRun: $dryRun)',
    ),
    "delete": _document(
        "PlannerDelete",
        "$zoneId: ID!, $expectedVersion: Int!",
        "deleteZone(zoneId: $zoneId, expectedVersion: $expectedVersion, "
        'reason: "planner page", dryRun: $dryRun)',
    ),
    "assign": _document(
        "PlannerAssign",
        "$code: String!, $partyGroupId: ID, $buildingIds: [ID!], $area: GeoJSON, "
        "$expectedVersions: [Int!]",
        "assignBuildings(communityCode: $code, partyGroupId: $partyGroupId, "
        "buildingIds: $buildingIds, area: $area, expectedVersions: $expectedVersions, "
        'reason: "planner page", dryRun: $dryRun)',
    ),
    "undo": _document(
        "PlannerUndo",
        "$code: String!",
        'undoLatest(communityCode: $code, reason: "planner page", dryRun: $dryRun)',
    ),
}

# Which fields each edit needs from the page, and their JSON types.
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "redraw": {"zoneId": (str,), "boundary": (dict,), "expectedVersion": (int,)},
    "create": {"name": (str,), "boundary": (dict,)},
    "split": {"line": (dict,), "newZoneName": (str,)},
    "merge": {"zoneIds": (list,), "expectedVersions": (list,)},
    "delete": {"zoneId": (str,), "expectedVersion": (int,)},
    "assign": {},
    "undo": {},
}
_OPTIONAL: dict[str, dict[str, tuple[type, ...]]] = {
    # Without a zone, the route picks the one the line cuts (planner.zone_cut_by).
    "split": {"zoneId": (str,), "expectedVersion": (int,)},
    "create": {"organizationId": (str,)},
    "assign": {
        "partyGroupId": (str,),
        "buildingIds": (list,),
        "area": (dict,),
        "expectedVersions": (list,),
    },
}


# What the lists' items must be (a wrong one would otherwise fail GraphQL variable coercion
# and come back untyped).
_ITEMS: dict[str, tuple[type, ...]] = {
    "zoneIds": (str,),
    "buildingIds": (str,),
    "expectedVersions": (int,),
}


@dataclass(frozen=True)
class BadEditError(Exception):
    """An edit the page sent that cannot become a mutation: refused before the graph."""

    message: str
    message_en: str

    def error(self) -> dict[str, Any]:
        return {"code": "INVALID", "message": self.message, "messageEn": self.message_en}


def _wrong(value: Any, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, bool) or not isinstance(value, kinds)


def _checked(value: Any, name: str, kinds: tuple[type, ...]) -> Any:
    if _wrong(value, kinds) or (
        isinstance(value, list) and any(_wrong(v, _ITEMS[name]) for v in value)
    ):
        raise BadEditError(
            f"字段 {name} 缺失或类型错误", f"Field {name} is missing or of the wrong type"
        )
    return value


def mutation_for(edit: Any, code: str) -> tuple[str, dict[str, Any]]:
    """The mutation document and variables (less `dryRun`) for an edit of community `code`."""
    if not isinstance(edit, dict) or edit.get("op") not in MUTATIONS:
        raise BadEditError("未知的编辑操作", "Unknown edit operation")
    op = edit["op"]
    variables: dict[str, Any] = {}
    for name, kinds in _FIELDS[op].items():
        variables[name] = _checked(edit.get(name), name, kinds)
    for name, kinds in _OPTIONAL.get(op, {}).items():
        if edit.get(name) is not None:
            variables[name] = _checked(edit[name], name, kinds)
    if op == "assign":
        variables.setdefault("partyGroupId", None)
        if "buildingIds" not in variables and "area" not in variables:
            raise BadEditError("请先选择楼栋或圈选范围", "Select buildings or draw an area first")
    if op in ("create", "assign", "undo"):
        variables["code"] = code
    return MUTATIONS[op], variables
