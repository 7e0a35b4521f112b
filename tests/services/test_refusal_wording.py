"""Every refusal the services can give reads in Chinese: its `message` holds no English words
and no raw enum value (role `planner`, a member kind, a field key); the English is in
`messageEn` (issue 15, 10.: "当前角色无权执行此操作：edit the grid", "note过长").

The sweep reads the services' source: every refusal is made by a call that takes the Chinese
message and then the English one (DomainError, invalid, not_found, ForbiddenError, and each
module's own helpers with the same (zh, en) pair). Each Chinese message is checked as written —
its fixed text, and what it interpolates (never an `*_en` text, an enum's `.value`, a field
key). The chokepoints that build messages from parts are then called with every value they
take (roles, field names), and the main refusals are triggered through the gateway.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.demo.model import GRID_BRANCH, Demo
from services.common import text
from services.common.auth import USER_ROLES, ForbiddenError, Identity, Role, require_role
from services.common.auth_codes import parse_region_code
from services.common.errors import DomainError
from stack import DISTRICT, Running

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
# Names a Chinese text uses as they are: file formats, standards, units, the product's own
# command; none is an English word a reader must translate.
TERMS = frozenset(
    {
        "PDF", "JPEG", "PNG", "Word", "docx", "Excel", "xlsx", "CSV", "ZIP", "Shapefile",
        "shp", "shx", "dbf", "prj", "GeoJSON", "GeoPackage", "KML", "WKT", "Feature",
        "FeatureCollection", "features", "properties", "JSON", "XML", "OpenStreetMap", "osm",
        "pbf", "cpg", "xls", "EPSG", "CGCS", "GB", "GBK", "UTF", "WGS", "UTM", "Web", "crs",
        "NaN", "MB", "ASCII", "id", "Idempotency", "Key",
        # the command line's own words, quoted as typed: partygrid import regions, --format osm
        "partygrid", "import", "regions", "format", "encoding",
    }
)  # fmt: skip
# What a Chinese message may not interpolate: an English text (`what_en`, `detail_en`), an
# enum's raw value (`role.value`), an exception's own (English) text, a field's key.
FOREIGN = re.compile(r"(_en\b|\.value\b|\bexc\b|^field\b)")
IDENTIFIER = re.compile(r"[\w.]*")  # "count", "record_funds": a key, not an English text


@dataclass(frozen=True)
class Message:
    where: str  # path:line
    fixed: str  # the text as written, without what it interpolates
    interpolated: tuple[str, ...]  # the expressions it interpolates, as source


def _zh(node: ast.expr) -> Message | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Message("", node.value, ())
    if isinstance(node, ast.JoinedStr):
        fixed = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        exprs = tuple(
            ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)
        )
        return Message("", fixed, exprs)
    return None


def _has_cjk(node: ast.expr) -> bool:
    found = _zh(node)
    return found is not None and bool(CJK.search(found.fixed))


# Errors made from one message (GraphQL's own, for a query's bad input): the message is the
# Chinese, the English goes in extensions.messageEn.
SINGLE = frozenset({"GraphQLError", "_bad_input"})


def _callee(call: ast.Call) -> str | None:
    return getattr(call.func, "id", getattr(call.func, "attr", None))


def _refusal_messages() -> list[Message]:
    """The Chinese message of every call that takes (…, zh, en, …): a text with Chinese
    followed by one without (the English of the same refusal); and of every error made
    from a single Chinese message (`SINGLE`)."""
    found = []
    for path in sorted(SERVICES.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            args = node.args
            if _callee(node) in SINGLE and args and _has_cjk(args[0]):
                message = _zh(args[0])
                assert message is not None
                where = f"{path.relative_to(ROOT)}:{args[0].lineno}"
                found.append(Message(where, message.fixed, message.interpolated))
            for zh, en in itertools.pairwise(args):
                message, english = _zh(zh), _zh(en)
                if (
                    message
                    and english
                    and _has_cjk(zh)
                    and not CJK.search(english.fixed)
                    and not IDENTIFIER.fullmatch(english.fixed)
                ):
                    where = f"{path.relative_to(ROOT)}:{zh.lineno}"
                    found.append(Message(where, message.fixed, message.interpolated))
    return found


MESSAGES = _refusal_messages()


def test_the_sweep_finds_the_refusals() -> None:
    """The sweep reads what it should: hundreds of refusals, in every service."""
    assert len(MESSAGES) > 300
    for service in ("org", "grid", "assess", "common"):
        assert any(m.where.startswith(f"services/{service}/") for m in MESSAGES), service


@pytest.mark.parametrize("message", MESSAGES, ids=[m.where for m in MESSAGES])
def test_a_refusal_reads_in_chinese(message: Message) -> None:
    english = [w for w in WORD.findall(message.fixed) if w not in TERMS]
    assert english == [], f"{message.where}: English in the Chinese message {message.fixed!r}"
    foreign = [e for e in message.interpolated if FOREIGN.search(e)]
    assert foreign == [], f"{message.where}: the Chinese message interpolates {foreign}"


# -- the chokepoints that build a message from parts ----------------------------------------


@pytest.mark.parametrize("role", [*USER_ROLES, None], ids=lambda r: getattr(r, "value", "none"))
def test_a_role_refusal_names_the_role_in_chinese(role: Role | None) -> None:
    identity = Identity("someone", role, "410104")
    with pytest.raises(ForbiddenError) as refused:
        require_role(identity, frozenset({Role.SERVICE}), what_zh="编辑网格", what_en="edit")
    assert "编辑网格" in refused.value.message
    assert WORD.findall(refused.value.message) == [], refused.value.message
    assert (refused.value.extensions or {})["messageEn"].isascii()


@pytest.mark.parametrize("key", ["note", "reason", "text", "name"])
def test_free_text_refusals_name_the_field_in_chinese(key: str) -> None:
    """clean_text takes the field's Chinese name from every caller: no key in a message
    (before, a caller could leave it out and the key stood in: "note过长")."""
    with pytest.raises(TypeError):  # what_zh is required
        text.clean_text("  ", ["input", key], 10, required=True)  # type: ignore[call-overload]
    for value, required in (("  ", True), ("长" * 11, False), ("a\x00b", False)):
        with pytest.raises(DomainError) as refused:
            text.clean_text(value, ["input", key], 10, required=required, what_zh="说明")
        assert refused.value.message.startswith("说明"), refused.value.message
        assert key not in refused.value.message
        assert refused.value.field == ["input", key]


@pytest.mark.parametrize("field", ["regionCode", ["input", "communityCode"]])
def test_a_malformed_region_code_is_refused_without_the_fields_key(field: str | list) -> None:
    """The one parser of region codes names the field in `field`, not in the Chinese."""
    with pytest.raises(DomainError) as refused:
        parse_region_code("4101", field)
    assert WORD.findall(refused.value.message) == [], refused.value.message
    assert refused.value.field == ([field] if isinstance(field, str) else field)


def test_no_free_text_is_taken_without_its_chinese_name() -> None:
    """Every call of clean_text in the services names the field in Chinese (`what_zh`)."""
    missing = []
    for path in sorted(SERVICES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and _callee(node) == "clean_text"
                and not any(k.arg == "what_zh" for k in node.keywords)
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == [], missing


# -- the main refusals, triggered -------------------------------------------------------------

MUTATIONS = {
    # A planner may not write org; a viewer may not write the grid; a secretary may not
    # determine a grade; a planner may not generate a monthly report.
    "org": (
        Role.PLANNER,
        'mutation { updateMember(id: "00000000-0000-0000-0000-000000000000", input: {}) '
        "{ errors { message } } }",
    ),
    "grid": (
        Role.VIEWER,
        'mutation { assignZone(zoneId: "00000000-0000-0000-0000-000000000000", '
        'organizationId: "00000000-0000-0000-0000-000000000000", expectedVersion: 1) '
        "{ errors { message } } }",
    ),
    "assess": (
        Role.SECRETARY,
        'mutation { determineGrade(assessmentId: "00000000-0000-0000-0000-000000000000", '
        'gradeId: "x", reason: "y") { errors { message } } }',
    ),
    "reports": (
        Role.PLANNER,
        'mutation { generateMonthlyReport(streetCode: "410104001", month: "2019-01") '
        "{ errors { message } } }",
    ),
}


@pytest.mark.parametrize("case", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_forbidden_write_is_refused_in_chinese(running: Running, case: tuple) -> None:
    role, mutation = case
    who = Identity(f"test-{role.value}", role, "410104001001")
    body = running.post(running.gateway, mutation, {}, identity=who)
    errors = body.get("errors") or []
    assert errors, body
    forbidden = [e for e in errors if e.get("extensions", {}).get("code") == "FORBIDDEN"]
    assert forbidden, body
    for error in forbidden:
        assert CJK.search(error["message"]), error
        assert WORD.findall(error["message"]) == [], error
        assert error["extensions"]["messageEn"].isascii(), error


SEAT = """mutation ($org: ID!, $member: ID!) {
  addCommitteeMember(organizationId: $org, memberId: $member, role: FULLTIME_DEPUTY) {
    errors { code message messageEn field } } }"""


def test_a_role_an_organization_lacks_is_named_by_its_label(running: Running, demo: Demo) -> None:
    """A grid branch has no full-time deputy: the refusal names the role 专职副书记 and the
    roles it may have by their labels, never the raw value (fulltime_deputy)."""
    unit = next(o for o in demo.organizations if o.kind == GRID_BRANCH)
    member = next(
        m for m in demo.members if m.community_code == unit.community_code and m.organization_id
    )
    body = running.post(
        running.gateway, SEAT, {"org": str(unit.id), "member": str(member.id)}, identity=DISTRICT
    )
    (error,) = body["data"]["addCommitteeMember"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", ["role"])
    assert "专职副书记" in error["message"] and "书记" in error["message"]
    assert WORD.findall(error["message"]) == [], error["message"]
