"""What the map pages ask the graph (through the gateway, as the signed-in caller)."""

from __future__ import annotations

FIGURES = (
    "buildings covered percent zonesWithoutOrganization "
    "buildingStates { gap gapWithMembers orphan }"
)
# Resident members named in a popup; the count says how many there are in all.
NAMED_RESIDENTS = 10
# A street or district page colours dark red the buildings with resident members and no
# group, which tiles cannot tell from other gaps: the gaps of severity 1 (paged: a page holds
# at most 200) and, in branch communities, the buildings of zones with no group (severity 3)
# whose own state says so.
GAP_PAGE = 200
_WORST = f"""
    worst: gaps(first: {GAP_PAGE}, after: $after, severity: 1) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ building {{ id }} }}
    }}"""

MORE_WORST = f"""
query MoreWorstGaps($code: String!, $after: String) {{
  coverage(regionCode: $code) {{ {_WORST} }}
}}"""

# Residents' names are not inlined: org resolves them building by building (about 3 ms
# each), so a popup asks /maps/buildings/<id> for them when it opens.
_BUILDING = "id name address footprint coverageState residentMemberCount"

COMMUNITY = f"""
query CoverageMap($code: String!) {{
  coverage(regionCode: $code) {{ {FIGURES} }}
  community(code: $code) {{
    code name nameEn boundary
    organization {{ name kind }}
    zones {{
      id name boundary
      organization {{ id name }}
      buildings {{ {_BUILDING} partyGroup {{ id name }} }}
    }}
    orphanBuildings {{ {_BUILDING} }}
  }}
}}"""

REGION = f"""
query RegionCoverage($code: String!, $after: String = null) {{
  region(code: $code) {{ code name nameEn level }}
  coverage(regionCode: $code) {{
    {FIGURES}
    communities {{ code {FIGURES} }}
    {_WORST}
    zoneGaps: gaps(first: {GAP_PAGE}, severity: 3) {{
      nodes {{ zone {{ buildings {{ id coverageState }} }} }}
    }}
  }}
  communities(regionCode: $code) {{
    code name nameEn boundary
    zones {{ id name boundary organization {{ id name }} }}
  }}
}}"""

BUILDING = f"""
query BuildingPopup($id: ID!) {{
  building(id: $id) {{
    id name address coverageState residentMemberCount
    residentMembers(first: {NAMED_RESIDENTS}) {{ nodes {{ name }} }}
    community {{ code }}
    zone {{ name organization {{ name }} }}
    partyGroup {{ name }}
  }}
}}"""

DISTRICTS = "query Districts { regions(level: DISTRICT) { code } }"
