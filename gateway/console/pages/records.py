"""`/console/records/<community>`: a community's attested records and their evidence files,
a form for every record kind (with evidence files uploaded from the browser) and voiding.

    GET  /console/records/<code>                  records by kind (filter, voided too), files
    GET  /console/records/<code>/evidence         every evidence file of the records
    GET  /console/records/<code>/new/<kind>       the form of one kind (kind: sitting, funds...)
    POST /console/records/<code>/new/<kind>       upload the files, then record; PRG
    GET  /console/records/<code>/void/<id>        the record and the voiding form
    POST /console/records/<code>/void/<id>        voidRecord with the reason; PRG

The ten forms are made from one table, `FORMS`: each kind's input fields as the graph's
`Record<Kind>Input` has them (tests/gateway/console/test_records_forms.py compares the table
with supergraph.graphql). A form's files go to assess one by one through the gateway's one
door for evidence (`gateway.files.send_evidence`, as `/files/evidence`): the size checked
here against `max_upload_bytes`, the type judged by assess from the content. Only when every
file was kept does the record's mutation run, with their ids in `evidenceIds`.

A record the graph then refuses is not written, but the files it carried stay uploaded and
unattached (assess keeps an upload per community and content, and ignores it until a record
names it; the same file sent again is the same evidence). The form shown again holds their ids,
so the corrected form does not need the files a second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from starlette.datastructures import UploadFile
from starlette.responses import Response

from gateway.console.graph import ERRORS, PageRefusalError, WriteResult
from gateway.console.labels.enums import enum_label
from gateway.console.nav import RECORDS
from gateway.console.page import MAX_FILES, Page, console_route, iso_date
from gateway.console.permissions import may
from gateway.files import send_evidence, too_large

# How a form field is entered: a line, a long text, a date, a number, names one per line,
# a choice of an enum (by label), or a pick of the community's funds or resident units.
Shape = Literal["text", "long", "date", "int", "float", "names", "choice", "funds", "unit"]
FILES = "evidenceIds"  # the file input: its errors are the input's `evidenceIds` errors
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INT = re.compile(r"^-?\d+$")
_NOT_SHOWN = frozenset({"resident_unit_id"})  # an id: its unit's name is shown


@dataclass(frozen=True)
class FormField:
    """One field of a record's input (its GraphQL name), as the form asks for it."""

    name: str
    shape: Shape
    required: bool = True
    enum: str | None = None  # shape "choice": the GraphQL enum
    options: tuple[str, ...] = ()  # shape "choice": its values, in the graph's order
    label: str | None = None  # label key; default `rec_f_<name>`

    @property
    def label_key(self) -> str:
        return self.label or f"rec_f_{self.name}"


@dataclass(frozen=True)
class RecordForm:
    """One record kind's form: its RecordKind, mutation, input type and fields (besides the
    community and the evidence ids, which every kind but a fund use has)."""

    kind: str  # RecordKind value
    mutation: str
    fields: tuple[FormField, ...]
    evidence_required: bool = False
    images_only: bool = False  # 党务公开: a photo (JPEG or PNG)
    subject_enum: str | None = None  # the enum the record's `subject` is a value of
    of_community: bool = True  # False: a fund use takes its community from its funds

    @property
    def slug(self) -> str:
        return self.kind.lower()

    @property
    def input_type(self) -> str:
        return self.mutation[:1].upper() + self.mutation[1:] + "Input"


def _f(name: str, shape: Shape, **kw: Any) -> FormField:
    return FormField(name, shape, **kw)


# The choices' enums (the graph's values; their labels from labels/enums.py).
FACILITY_KINDS = ("OFFICE", "MEETING_ROOM", "ACTIVITY_ROOM", "DISCLOSURE_BOARD", "PUBLICITY_BOARD")
TRAINING_FORMS = ("CENTRALIZED", "MEETING", "OBSERVATION", "SELF_STUDY")
WORK_SYSTEMS = (
    "DELIBERATION",
    "COLLECTIVE_DECISION",
    "JOINT_MEETING",
    "BIG_COMMITTEE_CONSULTATION",
    "DEMOCRATIC_EVALUATION",
)
ACTIVITY_KINDS = ("SHUANGCHUANG_SHUANGZHENG", "THEME_PARTY_DAY", "VOLUNTEER_SERVICE", "OTHER")

FORMS: tuple[RecordForm, ...] = (
    RecordForm(
        "FUNDS",
        "recordFunds",
        (
            _f("year", "int"),
            _f("amount", "float"),
            _f("source", "text"),
            _f("allocatedOn", "date"),
        ),
    ),
    RecordForm(
        "FUND_USE",
        "recordFundUse",
        (
            _f("fundsId", "funds"),
            _f("spentOn", "date"),
            _f("purpose", "text"),
            _f("amount", "float", label="rec_f_use_amount"),
        ),
        of_community=False,
    ),
    RecordForm(
        "FACILITY",
        "recordFacility",
        (
            _f("facility", "choice", enum="FacilityKind", options=FACILITY_KINDS),
            _f("since", "date"),
            _f("floorArea", "float", required=False),
            _f("location", "text", required=False),
        ),
        subject_enum="FacilityKind",
    ),
    RecordForm(
        "WORK_RULE",
        "recordWorkRule",
        (_f("adoptedOn", "date"), _f("title", "text", required=False, label="rec_f_rule_title")),
        evidence_required=True,
    ),
    RecordForm(
        "TRAINING",
        "recordTraining",
        (
            _f("heldOn", "date"),
            _f("form", "choice", enum="TrainingForm", options=TRAINING_FORMS),
            _f("topic", "text", label="rec_f_training_topic"),
            _f("hours", "float"),
            _f("attendeeCount", "int", required=False),
            _f("attendees", "names", required=False),
        ),
        subject_enum="TrainingForm",
    ),
    RecordForm(
        "WORK_SYSTEM",
        "recordWorkSystemAdoption",
        (_f("system", "choice", enum="WorkSystem", options=WORK_SYSTEMS), _f("adoptedOn", "date")),
        evidence_required=True,
        subject_enum="WorkSystem",
    ),
    RecordForm(
        "SITTING",
        "recordSitting",
        (
            _f("system", "choice", enum="WorkSystem", options=WORK_SYSTEMS),
            _f("heldOn", "date"),
            _f("minutes", "long"),
            _f("attendeeCount", "int", required=False),
            _f("attendees", "names", required=False),
        ),
        subject_enum="WorkSystem",
    ),
    RecordForm(
        "ACTIVITY",
        "recordActivity",
        (
            _f("kind", "choice", enum="ActivityKind", options=ACTIVITY_KINDS),
            _f("heldOn", "date"),
            _f("title", "text", label="rec_f_activity_title"),
            _f("participantCount", "int", required=False),
            _f("participants", "names", required=False),
        ),
        subject_enum="ActivityKind",
    ),
    RecordForm(
        "AGREEMENT",
        "recordAgreement",
        (
            _f("residentUnitId", "unit"),
            _f("signedOn", "date"),
            _f("summary", "long", required=False),
            _f("validUntil", "date", required=False),
        ),
        evidence_required=True,
    ),
    RecordForm(
        "DISCLOSURE",
        "recordDisclosure",
        (
            _f("postedOn", "date"),
            _f("topic", "text", label="rec_f_disclosure_topic"),
            _f("postedAt", "text"),
        ),
        evidence_required=True,
        images_only=True,
    ),
)
BY_SLUG = {form.slug: form for form in FORMS}
BY_KIND = {form.kind: form for form in FORMS}

# -- reads ----------------------------------------------------------------------------------------

EVIDENCE_FIELDS = "id name mediaType size sha256 uploadedBy uploadedAt url"
RECORD_FIELDS = (
    "id kind occurredOn year subject amount details recordedBy recordedAt voided voidedAt "
    f"voidedBy voidReason evidence {{ {EVIDENCE_FIELDS} }}"
)
LIST = f"""query ($c: String!, $kind: RecordKind, $voided: Boolean!, $after: String) {{
  community(code: $c) {{ code name nameEn }}
  attestedRecords(communityCode: $c, kind: $kind, includeVoided: $voided, first: 100,
                  after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {RECORD_FIELDS} }} }} }}"""
ONE = f"query ($id: ID!) {{ attestedRecord(id: $id) {{ communityCode {RECORD_FIELDS} }} }}"
COMMUNITY = "query ($c: String!) { community(code: $c) { code name nameEn } }"
FUNDS = """query ($c: String!) { attestedRecords(communityCode: $c, kind: FUNDS, first: 200) {
  nodes { id year amount occurredOn details } } }"""
UNITS = "query ($c: String!) { residentUnits(communityCode: $c) { id name } }"
VOID = f"""mutation ($id: ID!, $reason: String!) {{
  voidRecord(id: $id, reason: $reason) {{ record {{ id }} {ERRORS} }} }}"""


def _mutation(form: RecordForm) -> str:
    return f"""mutation ($input: {form.input_type}!) {{
  {form.mutation}(input: $input) {{ record {{ id }} {ERRORS} }} }}"""


def _details(page: Page, details: dict[str, Any]) -> list[tuple[str, str]]:
    """A record's other fields, each by its label (a list as names joined)."""
    shown = []
    for key, value in details.items():
        if key in _NOT_SHOWN or value is None or value == "" or value == []:
            continue
        shown.append((page.words.get(f"rec_d_{key}", key), _text(page, value)))
    return shown


def _text(page: Page, value: Any) -> str:
    """A detail as text: people as "count: names", a list joined (the page's punctuation)."""
    if isinstance(value, dict):
        names = page.t("list_sep").join(str(n) for n in value.get("names") or [])
        count = value.get("count")
        return f"{count}{page.t('colon')}{names}" if names else str(count)
    if isinstance(value, list):
        return page.t("list_sep").join(str(v) for v in value)
    return str(value)


async def records_page(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    kind = page.request.query_params.get("kind", "")
    kind = kind if kind in BY_KIND else ""
    voided = page.request.query_params.get("voided") == "1"
    after = page.request.query_params.get("after") or None
    answer = await page.ask(
        LIST, {"c": code, "kind": kind or None, "voided": voided, "after": after}
    )
    found = answer.need("attestedRecords", page)
    records = [
        {**node, "shown": _details(page, node.get("details") or {})} for node in found["nodes"]
    ]
    return page.render(
        "records/list.html",
        code=code,
        community=answer.data.get("community"),
        records=records,
        total=found["totalCount"],
        next_after=found["pageInfo"]["endCursor"] if found["pageInfo"]["hasNextPage"] else None,
        kind=kind,
        voided=voided,
        forms=FORMS,
        by_kind=BY_KIND,
        may_write=may(page.identity, "record"),
    )


async def evidence_page(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    files: dict[str, dict[str, Any]] = {}
    after = None
    community = None
    while True:  # every record, voided too: their files are kept as well
        answer = await page.ask(LIST, {"c": code, "kind": None, "voided": True, "after": after})
        found = answer.need("attestedRecords", page)
        community = community or answer.data.get("community")
        for node in found["nodes"]:
            for file in node["evidence"]:
                entry = files.setdefault(file["id"], {**file, "records": []})
                entry["records"].append(node)
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = found["pageInfo"]["endCursor"]
    listed = sorted(files.values(), key=lambda f: f["uploadedAt"], reverse=True)
    return page.render("records/evidence.html", code=code, community=community, files=listed)


# -- a new record ---------------------------------------------------------------------------------


def _form_of(page: Page) -> RecordForm:
    form = BY_SLUG.get(page.request.path_params["kind"])
    if form is None:
        raise PageRefusalError(404)
    return form


async def _choices(page: Page, form: RecordForm, code: str) -> dict[str, list[tuple[str, str]]]:
    """The options of a form's picks from the graph: the community's funds, its units."""
    choices: dict[str, list[tuple[str, str]]] = {}
    for spec in form.fields:
        if spec.shape == "choice" and spec.enum is not None:
            choices[spec.name] = [(v, enum_label(spec.enum, v, page.lang)) for v in spec.options]
        elif spec.shape == "funds":
            nodes = (await page.ask(FUNDS, {"c": code})).need("attestedRecords", page)["nodes"]
            choices[spec.name] = [
                (
                    n["id"],
                    page.t("rec_funds_option").format(
                        year=n["year"],
                        amount=n["amount"],
                        source=(n.get("details") or {}).get("source", ""),
                    ),
                )
                for n in nodes
            ]
        elif spec.shape == "unit":
            units = (await page.ask(UNITS, {"c": code})).need("residentUnits", page)
            choices[spec.name] = [(u["id"], u["name"]) for u in units]
    return choices


def _value(page: Page, spec: FormField, result: WriteResult) -> Any:
    """A posted field as the input wants it. What GraphQL itself would refuse before assess
    sees it (a missing required value, a malformed number or date, an unknown choice) is an
    error beside the field here, in the page's words; every other check is the service's."""
    raw = page.field(spec.name).strip()
    if spec.shape == "names":
        names = [line.strip() for line in raw.splitlines() if line.strip()]
        return names or None
    if spec.shape in ("text", "long"):  # a blank text: the service's own refusal names it
        return raw if raw or spec.required else None
    problem = None
    value: Any = raw or None
    if raw == "":
        problem = "rec_field_required" if spec.required else None
    elif spec.shape in ("int", "float"):
        if (_INT if spec.shape == "int" else _NUMBER).match(raw):
            value = int(raw) if spec.shape == "int" else float(raw)
        else:
            problem = "rec_not_a_number"
    elif spec.shape == "date":
        value = iso_date(raw)
        if value is None:
            problem = "rec_not_a_date"
    elif spec.shape == "choice" and raw not in spec.options:
        problem = "rec_field_required"
    if problem is not None:
        result.field_errors.setdefault(spec.name, []).append(page.t(problem))
        return None
    return value


def _files(page: Page) -> list[UploadFile]:
    """The files chosen in the form (an empty file input sends one nameless empty part)."""
    if page.form is None:
        return []
    return [
        item
        for item in page.form.getlist(FILES)
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]


def _kept_ids(page: Page) -> list[str]:
    """Evidence uploaded by an earlier try of this form (hidden fields)."""
    if page.form is None:
        return []
    return [item for item in page.form.getlist("kept") if isinstance(item, str) and item]


def _file_error(page: Page, filename: str | None, error: dict[str, Any]) -> str:
    """A refused file's message, named by the file (several may be chosen at once)."""
    return f"{filename}{page.t('colon')}{page.message_of(error)}"


async def _upload(page: Page, code: str, result: WriteResult) -> list[dict[str, Any]]:
    """Send each chosen file to assess; the evidence kept. Every file is checked for its size
    before any is sent, so a form with one file too large sends none."""
    chosen = _files(page)
    limit = page.request.app.state.settings.max_upload_bytes
    for item in chosen:
        if item.size is not None and item.size > limit:
            result.field_errors.setdefault(FILES, []).append(
                _file_error(page, item.filename, too_large(limit))
            )
    if result.field_errors.get(FILES):
        return []
    kept = []
    for item in chosen:
        answer = await send_evidence(page.request, await item.read(), code, item.filename)
        body = answer.body()
        if answer.status == 201 and "evidence" in body:
            kept.append(body["evidence"])
            continue
        for error in body.get("errors") or [{}]:
            result.field_errors.setdefault(FILES, []).append(
                _file_error(page, item.filename, error)
            )
    return kept


def _shown_fields(form: RecordForm) -> set[str]:
    """The fields a record's form shows: an error about a list's item (`attendees.2`) goes
    beside the list, a file's beside the file input."""
    return {spec.name for spec in form.fields} | {FILES}


async def _show_form(
    page: Page,
    form: RecordForm,
    code: str,
    result: WriteResult | None = None,
    kept: list[dict[str, Any]] | None = None,
) -> Response:
    if not may(page.identity, "record"):
        raise PageRefusalError(403, page.t("rec_no_form"))
    values = {spec.name: page.field(spec.name) for spec in form.fields}
    return page.render(
        "records/new.html",
        status=200 if result is None else 400,
        code=code,
        community=(await page.ask(COMMUNITY, {"c": code})).data.get("community"),
        form=form,
        forms=FORMS,
        result=result,
        values=values,
        choices=await _choices(page, form, code),
        kept=kept or [],
        files_field=FILES,
        max_mb=page.request.app.state.settings.max_upload_bytes // (1024 * 1024),
        max_files=MAX_FILES,
    )


async def new_record_page(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _show_form(page, _form_of(page), code)


async def _check_offered(
    page: Page, form: RecordForm, code: str, values: dict[str, Any], result: WriteResult
) -> None:
    """A picked id (funds, a resident unit) must be one the form offers for this community:
    a fund use is recorded in its funds' community, so funds of another would write there."""
    picks = [s for s in form.fields if s.shape in ("funds", "unit") and values[s.name]]
    if not picks:
        return
    choices = await _choices(page, form, code)
    for spec in picks:
        if values[spec.name] not in {value for value, _ in choices[spec.name]}:
            result.field_errors.setdefault(spec.name, []).append(page.t("form_not_offered"))


async def _kept_files(page: Page, ids: list[str]) -> list[dict[str, Any]]:
    """Files of an earlier try, as the graph describes them (unknown ids are dropped)."""
    if not ids:
        return []
    query = "query ({}) {{ {} }}".format(
        ", ".join(f"$e{i}: ID!" for i in range(len(ids))),
        " ".join(f"e{i}: evidenceFile(id: $e{i}) {{ {EVIDENCE_FIELDS} }}" for i in range(len(ids))),
    )
    answer = await page.ask(query, {f"e{i}": v for i, v in enumerate(ids)})
    return [answer.data[f"e{i}"] for i in range(len(ids)) if answer.data.get(f"e{i}")]


async def record_new(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    form = _form_of(page)
    if not may(page.identity, "record"):
        raise PageRefusalError(403, page.t("rec_no_form"))
    checked = WriteResult(None)
    values = {spec.name: _value(page, spec, checked) for spec in form.fields}
    await _check_offered(page, form, code, values, checked)
    kept = await _kept_files(page, _kept_ids(page)[:20])
    if not checked.field_errors:
        kept += await _upload(page, code, checked)
    if checked.field_errors:
        return await _show_form(page, form, code, checked.placed(_shown_fields(form)), kept)
    ids = list(dict.fromkeys(file["id"] for file in kept))
    inputs = {k: v for k, v in values.items() if v is not None}
    inputs[FILES] = ids
    if form.of_community:
        inputs["communityCode"] = code
    result = await page.write(_mutation(form), {"input": inputs}, form.mutation)
    if not result.ok:
        return await _show_form(page, form, code, result.placed(_shown_fields(form)), kept)
    return page.redirect(f"{RECORDS}/{code}", saved=form.kind)


# -- voiding --------------------------------------------------------------------------------------


async def _record_of(page: Page, code: str) -> dict[str, Any]:
    """The record of the path, in this community (another community's id: not found)."""
    found = (await page.ask(ONE, {"id": page.request.path_params["id"]})).need(
        "attestedRecord", page
    )
    if found["communityCode"] != code:
        raise PageRefusalError(404)
    return {**found, "shown": _details(page, found.get("details") or {})}


async def _show_void(
    page: Page, code: str, record: dict[str, Any], result: WriteResult | None = None
) -> Response:
    return page.render(
        "records/void.html",
        status=200 if result is None else 400,
        code=code,
        record=record,
        by_kind=BY_KIND,
        result=result,
        may_write=may(page.identity, "record") and not record["voided"],
    )


async def void_page(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return await _show_void(page, code, await _record_of(page, code))


async def void_record(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    record = await _record_of(page, code)
    result = await page.write(
        VOID, {"id": record["id"], "reason": page.field("reason")}, "voidRecord"
    )
    if not result.ok:
        # e.g. funds still in use: about the record itself (its "id"), not the reason
        return await _show_void(page, code, record, result.placed(("reason",)))
    return page.redirect(f"{RECORDS}/{code}", voided="1", done="void")


ROUTES = [
    console_route(RECORDS + "/{code}", records_page),
    console_route(RECORDS + "/{code}/evidence", evidence_page),
    console_route(RECORDS + "/{code}/new/{kind}", new_record_page),
    console_route(RECORDS + "/{code}/new/{kind}", record_new, methods=("POST",)),
    console_route(RECORDS + "/{code}/void/{id}", void_page),
    console_route(RECORDS + "/{code}/void/{id}", void_record, methods=("POST",)),
]
