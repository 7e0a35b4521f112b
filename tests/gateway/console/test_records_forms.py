"""The record forms are made from one table (gateway.console.pages.records.FORMS): it must say
what the graph's record inputs are, kind by kind, field by field (a change of an input in
assess fails here until the table follows)."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest

from gateway.console.labels import LABELS
from gateway.console.pages.records import FILES, FORMS, RecordForm

SUPERGRAPH = Path(__file__).resolve().parents[3] / "supergraph.graphql"
SCHEMA = graphql.build_schema(SUPERGRAPH.read_text())
# How each form shape is typed in the graph (a choice: the enum its field names).
SHAPE_TYPES = {
    "text": "String",
    "long": "String",
    "date": "Date",
    "int": "Int",
    "float": "Float",
    "names": "[String!]",
    "funds": "ID",
    "unit": "ID",
}


def _has_default(field: graphql.GraphQLInputField) -> bool:
    """Whether the SDL gives the field a default (graphql-core keeps it on the AST node)."""
    return field.ast_node is not None and field.ast_node.default_value is not None


def test_there_is_a_form_for_every_record_kind_and_mutation() -> None:
    kinds = SCHEMA.get_type("RecordKind")
    assert isinstance(kinds, graphql.GraphQLEnumType)
    assert [form.kind for form in FORMS] == list(kinds.values)
    mutations = SCHEMA.mutation_type
    assert mutations is not None
    recording = {
        name
        for name, spec in mutations.fields.items()
        if graphql.get_named_type(spec.type).name == "AttestedRecordPayload"
        and name.startswith("record")
    }
    assert {form.mutation for form in FORMS} == recording


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.kind)
def test_each_forms_fields_are_its_inputs_fields(form: RecordForm) -> None:
    mutation = SCHEMA.mutation_type
    assert mutation is not None
    argument = mutation.fields[form.mutation].args["input"]
    input_type = graphql.get_named_type(argument.type)
    assert isinstance(input_type, graphql.GraphQLInputObjectType)
    assert input_type.name == form.input_type
    fields = dict(input_type.fields)
    assert ("communityCode" in fields) == form.of_community
    fields.pop("communityCode", None)
    evidence = fields.pop(FILES)
    # Required evidence: no default (the kind refuses an empty list too: the form says so).
    assert form.evidence_required == (not _has_default(evidence))
    assert [spec.name for spec in form.fields] == list(fields)
    for spec in form.fields:
        declared = fields[spec.name]
        required = graphql.is_non_null_type(declared.type) and not _has_default(declared)
        assert spec.required == required, spec.name
        named = graphql.get_named_type(declared.type)
        if spec.shape == "choice":
            assert isinstance(named, graphql.GraphQLEnumType) and named.name == spec.enum
            assert spec.options == tuple(named.values)
        else:
            shown = str(graphql.get_nullable_type(declared.type))
            assert shown == SHAPE_TYPES[spec.shape], spec.name
        assert spec.label_key in LABELS["zh"], spec.label_key
