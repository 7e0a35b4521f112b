"""Out-of-scope ids look like unknown ones (issue 12, class 7): through the gateway, a caller
gets the same answer (code and message, the id aside) for an id of another street's
community as for an id that names nothing, in queries and in mutations; and no refusal
names the community a foreign id belongs to."""

from __future__ import annotations

import uuid

import pytest

from services.common.auth import Identity
from stack import Running

# (role, GraphQL document, variables with "ID" where the id goes, which places entry)
CASES = {
    "organization": (
        "secretary",
        "query ($id: ID!) { organization(id: $id) { id name } }",
        "away_org",
    ),
    "zone": ("planner", "query ($id: ID!) { zone(id: $id) { id name } }", "away_zone"),
    "rename organization": (
        "secretary",
        """mutation ($id: ID!) { updateOrganization(id: $id, input: {name: "改名"}) {
            organization { id } errors { code message messageEn field } } }""",
        "away_org",
    ),
    "dissolve organization": (
        "street",
        """mutation ($id: ID!) { dissolveOrganization(id: $id) {
            errors { code message messageEn field } } }""",
        "away_org",
    ),
    "unassign a building": (
        "planner",
        """mutation ($id: ID!, $c: String!) {
            unassignBuildings(communityCode: $c, buildingIds: [$id], dryRun: true) {
            errors { code message messageEn field } } }""",
        "away_building",
    ),
    "redraw a zone": (
        "planner",
        """mutation ($id: ID!, $b: GeoJSON!) {
            redrawZone(zoneId: $id, expectedVersion: 1, boundary: $b, dryRun: true) {
            errors { code message messageEn field } } }""",
        "away_zone",
    ),
}


def _answer(running: Running, identity: Identity, document: str, variables: dict) -> dict:
    body = running.post(running.gateway, document, variables, identity=identity)
    text = repr(body).replace(variables["id"], "<id>")
    return {"body": text, "raw": body}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_foreign_id_answers_like_an_unknown_one(
    running: Running, roles: dict[str, Identity], places, case
):
    role, document, foreign = CASES[case]
    variables: dict = {"c": places["home"]} if "$c" in document else {}
    if "$b" in document:
        ring = [[113.6, 34.7], [113.61, 34.7], [113.61, 34.71], [113.6, 34.7]]
        variables["b"] = {"type": "Polygon", "coordinates": [ring]}
    away = _answer(running, roles[role], document, {**variables, "id": places[foreign]})
    unknown = _answer(running, roles[role], document, {**variables, "id": str(uuid.uuid4())})
    assert away["body"] == unknown["body"]
    assert places["away"] not in repr(away["raw"])
    assert places["away"][:9] not in repr(away["raw"])
