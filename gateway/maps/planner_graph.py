"""What the planner page asks of the graph: its state, and each edit as one grid mutation.

The page posts an edit as JSON (`{"op": "redraw", ...}`); `mutation_for` turns it into the
grid's planner mutation (services/grid/graph/planner.py) with `dryRun` set by the route, so a
preview and its commit are the same call. Bad input is refused here with a typed error
before anything reaches the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.maps.planner_figures import GAPS_FIELDS
from gateway.maps.queries import FIGURES

# An entity's state in a change item, as the history panel names it.
ENTITY = "version name organizationId partyGroupId households"

# What undo and redo would do next: the page enables its buttons from these (history).
STEPS = "totalCount canUndo canRedo nextUndo { number kind } nextRedo { number kind }"

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
  coverage(regionCode: $code) {{
    {FIGURES}
{GAPS_FIELDS}
  }}
  community(code: $code) {{
    code name boundary
    organization {{ name kind }}
    zones {{
      id name version boundary
      organization {{ id name }}
      buildings {{
        id name version footprint coverageState partyGroup {{ id name }} residentMemberCount
        households
      }}
    }}
    orphanBuildings {{
      id name version footprint coverageState partyGroup {{ id name }} residentMemberCount
      households
    }}
  }}
  changeSets(communityCode: $code, first: 1) {{ {STEPS} }}
}}"""

# Party groups and branches (orgs.js): every organization of the community, all pages of
# them (a page holds at most 200; a community can hold more groups than that); the route
# follows `endCursor` until the last page (planner.organizations_of).
ORGANIZATIONS_QUERY = """
query PlannerOrganizations($code: String!, $after: String) {
  organizations(regionCode: $code, first: 200, after: $after) {
    nodes { id name kind }
    pageInfo { hasNextPage endCursor }
  }
}"""

# A new grid branch or Party group, created by org (its role, scope and plan-二 placement
# checks) as the caller; not a planner edit, so not previewed and not undone by undoLatest.
CREATE_ORGANIZATION = """
mutation PlannerCreateOrganization($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name kind }
    errors { code message messageEn field rule }
  }
}"""

# The history panel: the newest change sets with the entities each wrote (names), and what
# undo and redo would do next; one change set's derived diff (buildings by name) on demand.
HISTORY_QUERY = f"""
query PlannerHistory($code: String!, $last: Int!) {{
  changeSets(communityCode: $code, last: $last) {{
    {STEPS}
    nodes {{
      id number kind author reason createdAt undoOf undoneAt
      items {{ entity entityId before {{ {ENTITY} }} after {{ {ENTITY} }} }}
    }}
    errors {{ code message messageEn }}
  }}
}}"""

CHANGE_SET_QUERY = """
query PlannerChangeSet($id: ID!) {
  changeSet(id: $id) {
    id number communityCode
    diff {
      zonesCreated zonesDeleted buildingsDeleted
      buildings {
        buildingId building { name }
        before { zoneId group { name } }
        after { zoneId group { name } }
      }
    }
    coverageBefore { buildings withGroup orphans zones zonesWithoutOrganization }
    coverageAfter { buildings withGroup orphans zones zonesWithoutOrganization }
  }
}"""

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
        "$zoneIds: [ID!]!, $expectedVersions: [Int!]!, $allowMultiPart: Boolean! = false",
        "mergeZones(zoneIds: $zoneIds, expectedVersions: $expectedVersions, "
        'allowMultiPart: $allowMultiPart, reason: "planner page", dryRun: $dryRun)',
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
    # Party groups and branches (orgs.js): a zone's 网格党支部 (a Party group in 党支部
    # communities); organizationId left out unassigns.
    "assignZone": _document(
        "PlannerAssignZone",
        "$zoneId: ID!, $expectedVersion: Int!, $organizationId: ID",
        "assignZone(zoneId: $zoneId, expectedVersion: $expectedVersion, "
        'organizationId: $organizationId, reason: "planner page", dryRun: $dryRun)',
    ),
    # Drawing help (issue 15): zones sharing a moved vertex, redrawn as one change set.
    "redraw_zones": _document(
        "PlannerRedrawZones",
        "$changes: [ZoneBoundaryChange!]!",
        'redrawZones(changes: $changes, reason: "planner page", dryRun: $dryRun)',
    ),
    # History (undo and redo): with the number the page previewed, so a commit never
    # reverses another change set than the one shown.
    "undo": _document(
        "PlannerUndo",
        "$code: String!, $expectedNumber: Int",
        'undoLatest(communityCode: $code, reason: "planner page", dryRun: $dryRun, '
        "expectedNumber: $expectedNumber)",
    ),
    "redo": _document(
        "PlannerRedo",
        "$code: String!, $expectedNumber: Int",
        'redoLatest(communityCode: $code, reason: "planner page", dryRun: $dryRun, '
        "expectedNumber: $expectedNumber)",
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
    "assignZone": {"zoneId": (str,), "expectedVersion": (int,)},
    "undo": {},
    "redraw_zones": {"changes": (list,)},
    "redo": {},
}
_OPTIONAL: dict[str, dict[str, tuple[type, ...]]] = {
    # Without a zone, the route picks the one the line cuts (planner.zone_cut_by).
    "split": {"zoneId": (str,), "expectedVersion": (int,)},
    "create": {"organizationId": (str,)},
    "merge": {"allowMultiPart": (bool,)},  # the planner confirmed a multi-part zone
    "undo": {"expectedNumber": (int,)},
    "redo": {"expectedNumber": (int,)},
    "assign": {
        "partyGroupId": (str,),
        "buildingIds": (list,),
        "area": (dict,),
        "expectedVersions": (list,),
    },
    "assignZone": {"organizationId": (str,)},
}


# What the lists' items must be (a wrong one would otherwise fail GraphQL variable coercion
# and come back untyped).
_ITEMS: dict[str, tuple[type, ...]] = {
    "zoneIds": (str,),
    "buildingIds": (str,),
    "expectedVersions": (int,),
    "changes": (dict,),
}

# Each item of redraw_zones' `changes`: one zone's new boundary (ZoneBoundaryChange).
_CHANGE: dict[str, tuple[type, ...]] = {
    "zoneId": (str,),
    "boundary": (dict,),
    "expectedVersion": (int,),
}


@dataclass(frozen=True)
class BadEditError(Exception):
    """An edit the page sent that cannot become a mutation: refused before the graph."""

    message: str
    message_en: str

    def error(self) -> dict[str, Any]:
        return {"code": "INVALID", "message": self.message, "messageEn": self.message_en}


def _wrong(value: Any, kinds: tuple[type, ...]) -> bool:
    # A JSON true/false is an int to Python: only a field that asks for bool takes one.
    return (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds)


def _checked(value: Any, name: str, kinds: tuple[type, ...]) -> Any:
    if _wrong(value, kinds) or (
        isinstance(value, list) and any(_wrong(v, _ITEMS[name]) for v in value)
    ):
        raise BadEditError(
            f"字段 {name} 缺失或类型错误", f"Field {name} is missing or of the wrong type"
        )
    return value


def _changes(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """redraw_zones' items, each with exactly the fields of a ZoneBoundaryChange."""
    if not changes:
        raise BadEditError("没有要重绘的片区", "No zones to redraw")
    return [{k: _checked(c.get(k), k, kinds) for k, kinds in _CHANGE.items()} for c in changes]


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
    if op == "assignZone":
        variables.setdefault("organizationId", None)
    if op == "assign":
        variables.setdefault("partyGroupId", None)
        if "buildingIds" not in variables and "area" not in variables:
            raise BadEditError("请先选择楼栋或圈选范围", "Select buildings or draw an area first")
    if op == "redraw_zones":
        variables["changes"] = _changes(variables["changes"])
    if op in ("create", "assign", "undo", "redo"):
        variables["code"] = code
    return MUTATIONS[op], variables
