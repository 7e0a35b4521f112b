"""Rule counts recomputed independently of the checker: in SQL over the org schema, and from
grid's and org's rows for placement. Used by test_findings_http.py to check the findings."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import text

from infra.demo.model import COMMUNITY_KINDS
from stack import rolled_back

_SEATS = """WITH top AS (
  SELECT o.id, o.kind, o.community_code FROM org.party_organization o
  WHERE o.kind IN ('community_committee', 'general_branch', 'branch') AND o.dissolved_at IS NULL),
seat AS (
  SELECT top.id AS org, top.kind, cm.role, m.*
  FROM top JOIN org.committee_membership cm ON cm.organization_id = top.id AND cm.ended_on IS NULL
  JOIN org.member m ON m.id = cm.member_id AND m.left_on IS NULL
  WHERE cm.role <> 'parttime_member'),
roles AS (
  SELECT top.id, top.kind, count(seat.id) AS n,
         count(*) FILTER (WHERE seat.role = 'secretary') AS secretaries,
         count(*) FILTER (WHERE seat.role = 'fulltime_deputy') AS fulltime,
         count(*) FILTER (WHERE seat.role = 'parttime_deputy') AS parttime,
         count(*) FILTER (WHERE extract(year FROM age(:as_of, seat.birth_date)) BETWEEN 35 AND 45)
           AS around_40,
         count(*) FILTER (WHERE seat.education IN ('associate', 'bachelor', 'master', 'doctorate'))
           AS educated
  FROM top LEFT JOIN seat ON seat.org = top.id GROUP BY top.id, top.kind)
"""
_TAKES_PART = """WITH takes AS (
  SELECT m.id, EXISTS (SELECT 1 FROM org.committee_membership cm
                       JOIN org.party_organization o ON o.id = cm.organization_id
                       WHERE cm.member_id = m.id AND cm.ended_on IS NULL AND cm.role = 'secretary'
                         AND o.dissolved_at IS NULL AND o.kind IN ('grid_branch', 'party_group'))
           AS leader,
         NOT EXISTS (SELECT 1 FROM org.committee_membership cm
                     JOIN org.party_organization o ON o.id = cm.organization_id
                     WHERE cm.member_id = m.id AND cm.ended_on IS NULL AND o.dissolved_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM org.member_office f WHERE f.member_id = m.id) AS wuzhi
  FROM org.member m
  WHERE m.left_on IS NULL AND m.is_able
    AND (m.management = 'self' OR m.reporting_status = 'reported')
    AND NOT EXISTS (SELECT 1 FROM org.member_category k
                    WHERE k.member_id = m.id AND k.category = 'mobile'))
"""


def _post(condition: str) -> str:
    return f"""SELECT count(*) FROM takes WHERE {condition}"""


def _current_post(kind: str | None = None) -> str:
    kind_clause = f" AND p.kind = '{kind}'" if kind else ""
    return (
        "EXISTS (SELECT 1 FROM org.post p WHERE p.member_id = takes.id "
        f"AND p.released_on IS NULL{kind_clause})"
    )


_UNITS = """SELECT count(*) FROM org.party_organization top
  WHERE top.kind IN ('community_committee', 'general_branch', 'branch')
    AND top.dissolved_at IS NULL AND NOT (ARRAY[{units}] <@ ARRAY(
      SELECT u FROM org.party_organization f, unnest(f.units) u
      WHERE f.community_code = top.community_code AND f.dissolved_at IS NULL
        AND f.kind IN ({kinds})))"""

ORG_COUNTS = {
    "organization.community": """SELECT count(*) FROM org.region r WHERE r.level = 'community'
        AND NOT EXISTS (SELECT 1 FROM org.party_organization o WHERE o.community_code = r.code
          AND o.dissolved_at IS NULL
          AND o.kind IN ('community_committee', 'general_branch', 'branch'))""",
    "committee.size": _SEATS
    + """SELECT count(*) FROM roles WHERE n NOT BETWEEN
        CASE WHEN kind = 'community_committee' THEN 5 ELSE 3 END
        AND CASE WHEN kind = 'community_committee' THEN 7 ELSE 5 END""",
    "committee.secretary": _SEATS + "SELECT count(*) FROM roles WHERE secretaries <> 1",
    "committee.fulltime_deputy": _SEATS + "SELECT count(*) FROM roles WHERE fulltime <> 1",
    "committee.parttime_deputy": _SEATS
    + """SELECT count(*) FROM roles
        WHERE parttime > 1 OR (kind = 'community_committee' AND parttime <> 1)""",
    "deputy.standing": _SEATS
    + """SELECT count(*) FROM seat WHERE role = 'fulltime_deputy'
        AND age(:as_of, joined_on) < interval '2 years'""",
    "deputy.full_member": _SEATS
    + """SELECT count(*) FROM seat
        WHERE role = 'parttime_deputy' AND is_probationary""",
    "leadership.age": _SEATS + "SELECT count(*) FROM roles WHERE n > 0 AND 2 * around_40 <= n",
    "leadership.education": _SEATS + "SELECT count(*) FROM roles WHERE n > 0 AND 2 * educated <= n",
    "secretary.workstation_head": _SEATS
    + """SELECT count(*) FROM seat s WHERE role = 'secretary'
        AND NOT EXISTS (SELECT 1 FROM org.member_office f
                        WHERE f.member_id = s.id AND f.office = 'workstation_head')""",
    "secretary.sent_down_cadre": _SEATS
    + """SELECT count(*) FROM seat s
        JOIN org.region r ON r.code = s.community_code
        WHERE s.role = 'secretary' AND r.is_pilot AND NOT s.is_sent_down_cadre""",
    "functional.units": _UNITS.format(
        kinds="'functional_branch', 'functional_group'",
        units="'workstation', 'zongzhiban', 'juweihui'",
    ),
    "special.volunteer_team": _UNITS.format(
        kinds="'special_branch', 'special_group'", units="'volunteer_team'"
    ),
    "big_committee.members": """SELECT count(*) FROM org.party_organization top
        WHERE top.kind IN ('community_committee', 'general_branch', 'branch')
          AND top.dissolved_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM org.committee_membership cm JOIN org.member m ON m.id = cm.member_id
            WHERE cm.organization_id = top.id AND cm.role = 'parttime_member'
              AND cm.ended_on IS NULL AND m.left_on IS NULL)""",
    "reporting.pending": """SELECT count(*) FROM org.member WHERE left_on IS NULL
        AND management <> 'self' AND reporting_status = 'pending'""",
    "resident_unit.agreement": """SELECT count(*) FROM org.resident_unit
        WHERE coalesce(party_organization_name, '') <> '' AND agreement_signed_on IS NULL""",
    "volunteer_team.joint": """SELECT count(*) FROM org.region r WHERE r.level = 'community'
        AND NOT EXISTS (SELECT 1 FROM org.volunteer_team t
          JOIN org.volunteer_team_member tm ON tm.team_id = t.id
          JOIN org.member m ON m.id = tm.member_id AND m.left_on IS NULL
          WHERE t.community_code = r.code GROUP BY t.id HAVING count(DISTINCT m.management) = 3)""",
    "unit.leader": """SELECT count(*) FROM org.party_organization o
        WHERE o.kind IN ('grid_branch', 'party_group') AND o.dissolved_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM org.committee_membership cm
            JOIN org.member m ON m.id = cm.member_id AND m.left_on IS NULL
            WHERE cm.organization_id = o.id AND cm.role = 'secretary' AND cm.ended_on IS NULL)""",
    "post.held": _TAKES_PART + _post(f"NOT leader AND NOT wuzhi AND NOT {_current_post()}"),
    "post.grid_management": _TAKES_PART
    + _post(f"leader AND NOT {_current_post('grid_management')}"),
    "post.volunteer": _TAKES_PART
    + _post(f"NOT leader AND wuzhi AND NOT {_current_post('volunteer')}"),
    "category.helper": """SELECT count(DISTINCT k.member_id) FROM org.member_category k
        JOIN org.member m ON m.id = k.member_id AND m.left_on IS NULL
        LEFT JOIN org.member h ON h.id = k.helper_member_id AND h.left_on IS NULL
        WHERE h.id IS NULL AND coalesce(trim(k.helper_contact), '') = ''""",
}


def placement_counts(service_urls: dict[str, str]) -> Counter[str]:
    """Zones and buildings without a valid unit, from grid's rows and org's organizations."""
    with rolled_back(service_urls["org"]) as conn:
        orgs = {r.id: r for r in conn.execute(text("SELECT * FROM org.party_organization"))}
    top = {
        o.community_code: o.kind
        for o in orgs.values()
        if o.kind in COMMUNITY_KINDS and o.dissolved_at is None
    }

    def valid(org_id: uuid.UUID | None, kind: str, community: str) -> bool:
        o = orgs.get(org_id) if org_id else None
        return bool(o and o.kind == kind and o.community_code == community and not o.dissolved_at)

    counts: Counter[str] = Counter()
    with rolled_back(service_urls["grid"]) as conn:
        for z in conn.execute(text("SELECT community_code, organization_id FROM grid.zone")):
            kind = top.get(z.community_code)
            if kind is not None:
                want = "party_group" if kind == "branch" else "grid_branch"
                rule = "placement.zone_group" if kind == "branch" else "placement.zone_branch"
                counts[rule] += not valid(z.organization_id, want, z.community_code)
        buildings = (
            "SELECT community_code, party_group_id FROM grid.building WHERE zone_id IS NOT NULL"
        )
        for b in conn.execute(text(buildings)):
            if top.get(b.community_code) in ("community_committee", "general_branch"):
                ok = valid(b.party_group_id, "party_group", b.community_code)
                counts["placement.building_group"] += not ok
    return counts
