"""Operation limits: depth, aliases, repeated fields, estimated cost and introspection.

An operation is measured on its syntax tree before validation, in one pass over the document
with every fragment measured once (memoized), so an alias bomb, a deep nest or a fragment
fan-out is refused in time proportional to the document's text, never to what it expands to.
Validation itself is quadratic in fields that repeat one response name (the rule that
checks they can merge compares every pair), hence the limit on repeated fields.

Cost is an estimate of the fields a response can hold: each field costs 1, and a list
multiplies what it holds by its size: the field's `first`/`limit` argument (or, for a paged
connection, its parent's), else the schema's default for that argument, else
`default_list_size`.

Work is what the fields behind a response cost the subgraphs: each field with a weight in
`gateway.field_costs` adds its weight for the region it is asked for, times the list sizes
around it (a field without a weight does no work worth counting). An operation whose work is
over `max_work` and over its heaviest single call is refused: any one call fits (however heavy,
it is one subgraph request under the fetch deadline), several heavy ones together need not.
One of at least `expensive_work` is expensive, and a caller may have only
`max_expensive_in_flight` of those running at once (`gateway.in_flight`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)

from gateway.field_costs import (
    FIELD_COSTS,
    LEVELS,
    REGION_ARGUMENTS,
    Level,
    Weight,
    level_of,
    work_of,
)

Introspection = Literal["always", "authenticated", "never"]

# Arguments that bound the length of the list a field returns.
_SIZE_ARGUMENTS = ("first", "limit")
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Costs beyond any limit are all the same to us; capping keeps the arithmetic small.
_COST_CAP = 10**15


@dataclass(frozen=True)
class Limits:
    """What one operation may ask for (see `GatewaySettings` for the meaning of each)."""

    max_depth: int = 16
    max_aliases: int = 50
    max_repeated_fields: int = 100
    max_cost: int = 100_000
    default_list_size: int = 10
    introspection: Introspection = "authenticated"
    # In baseline reads (gateway.field_costs): the district's findings (31) and an export
    # (19) together fit; five findings (155) or five exports (95) do not. Expensive: about
    # half a second of backend time or more (a street's findings, any district export).
    max_work: int = 80
    expensive_work: int = 10
    max_expensive_in_flight: int = 2
    field_costs: Mapping[str, Weight] = field(default_factory=lambda: dict(FIELD_COSTS))


@dataclass(frozen=True)
class Measure:
    """The shape of one operation. `sized_by_variables`: its cost or work depends on
    variables."""

    depth: int
    aliases: int
    repeated_fields: int
    cost: int
    introspection: bool
    sized_by_variables: bool
    work: int = 0
    heaviest: int = 0  # the work of its heaviest single call


@dataclass
class _Tally:
    cost: int = 0
    work: int = 0
    heaviest: int = 0
    depth: int = 0
    aliases: int = 0
    repeated: int = 0
    fields: int = 0  # field selections, fragments expanded (what validation compares)
    introspection: bool = False
    # Response keys of this selection set with the fields under each (fragments flattened).
    keys: list[tuple[str, int]] = field(default_factory=list)

    def add(self, other: _Tally, multiplier: int = 1) -> None:
        self.cost = min(self.cost + multiplier * other.cost, _COST_CAP)
        self.work = min(self.work + multiplier * other.work, _COST_CAP)
        self.heaviest = max(self.heaviest, other.heaviest)
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.repeated += other.repeated
        self.fields = min(self.fields + other.fields, _COST_CAP)
        self.introspection = self.introspection or other.introspection


class _Walker:
    """One pass over an operation; fragments are measured once per (name, page size)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        default_list_size: int,
        field_costs: Mapping[str, Weight],
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.default_list_size = default_list_size
        self.field_costs = field_costs
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, int | None, Level], _Tally] = {}
        self.active: set[str] = set()  # fragments being measured: a cycle counts as empty
        self.sized_by_variables = False

    def selections(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType | None,
        page: int | None,
        level: Level = "district",
    ) -> _Tally:
        tally = _Tally()
        seen: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                inner = self.field(selection, parent, page, level)
                tally.add(inner)
                merged = [(key, inner.fields)]
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.spread(selection.name.value, page, level)
                tally.add(inner)
                merged = inner.keys
            else:
                assert isinstance(selection, InlineFragmentNode)  # the only other selection
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                inner = self.selections(selection.selection_set, target, page, level)
                tally.add(inner)
                merged = inner.keys
            for key, fields in merged:
                if key in seen:
                    tally.repeated += fields
                else:
                    seen.add(key)
                tally.keys.append((key, fields))
        return tally

    def spread(self, name: str, page: int | None, level: Level) -> _Tally:
        memo_key = (name, page, level)
        known = self.memo.get(memo_key)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:
            return _Tally()  # unknown or cyclic: validation reports it
        self.active.add(name)
        try:
            target = self.schema.get_type(fragment.type_condition.name.value)
            tally = self.selections(fragment.selection_set, target, page, level)
        finally:
            self.active.discard(name)
        self.memo[memo_key] = tally
        return tally

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None, level: Level
    ) -> _Tally:
        name = node.name.value
        definition = _field_definition(parent, name)
        output = definition.type if definition else None
        if isinstance(output, GraphQLNonNull):
            output = output.of_type
        size = self.size_argument(node, definition)
        if isinstance(output, GraphQLList):
            multiplier = size if size is not None else (page if page is not None else None)
            multiplier = self.default_list_size if multiplier is None else multiplier
            child_page = None
        else:
            multiplier, child_page = 1, size
        tally = _Tally(cost=1, depth=1, aliases=int(node.alias is not None), fields=1)
        tally.introspection = name in _INTROSPECTION_FIELDS
        codes = self.region_codes(node)
        if codes is not None:  # fields below work on this region (its widest level)
            level = min((level_of(code) for code in codes), key=LEVELS.index, default=level)
        weight = self.field_costs.get(f"{parent.name}.{name}") if parent is not None else None
        if weight is not None:
            tally.work = work_of(weight, codes) if codes is not None else weight.at(level)
            tally.heaviest = tally.work
        if node.selection_set is not None:
            inner = self.selections(node.selection_set, _named(output), child_page, level)
            tally.add(inner, multiplier)
            tally.depth = 1 + inner.depth
            tally.fields = min(1 + inner.fields, _COST_CAP)
        return tally

    def region_codes(self, node: FieldNode) -> list[object] | None:
        """The codes of the field's region argument (None: it has none); a code that is not
        known yet (a variable not given) is None, counted as a district."""
        for argument in node.arguments or ():
            if argument.name.value in REGION_ARGUMENTS:
                return self.codes(argument.value)
        return None

    def codes(self, value: ValueNode) -> list[object]:
        if isinstance(value, VariableNode):
            self.sized_by_variables = True
            given = self.variables.get(value.name.value)
            return list(given) if isinstance(given, list) else [given]
        if isinstance(value, ListValueNode):
            return [code for item in value.values for code in self.codes(item)]
        return [value.value if isinstance(value, StringValueNode) else None]

    def size_argument(self, node: FieldNode, definition: GraphQLField | None) -> int | None:
        """The field's `first`/`limit`: given, from a variable, or the schema's default."""
        for argument in node.arguments or ():
            if argument.name.value not in _SIZE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                self.sized_by_variables = True
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(given, 0)
        if definition is not None:
            for name in _SIZE_ARGUMENTS:
                default = _default_size(definition.args.get(name))
                if default is not None:
                    return default
        return None


def _default_size(argument: GraphQLArgument | None) -> int | None:
    """An argument's default when it is an integer (schemas built from SDL may keep it only
    as the literal of the definition)."""
    if argument is None:
        return None
    default = argument.default_value
    if isinstance(default, int) and not isinstance(default, bool):
        return max(default, 0)
    literal = argument.ast_node.default_value if argument.ast_node else None
    return max(int(literal.value), 0) if isinstance(literal, IntValueNode) else None


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return parent.fields.get(name)
    return None


def _named(output: Any) -> GraphQLNamedType | None:
    while isinstance(output, GraphQLList | GraphQLNonNull):
        output = output.of_type
    return output if isinstance(output, GraphQLNamedType) else None


def _root_type(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> GraphQLObjectType | None:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    *,
    default_list_size: int,
    field_costs: Mapping[str, Weight] = FIELD_COSTS,
) -> Measure:
    """Measure `operation` (not yet validated: unknown fields simply cost 1)."""
    walker = _Walker(schema, document, variables, default_list_size, field_costs)
    tally = walker.selections(operation.selection_set, _root_type(schema, operation), None)
    return Measure(
        depth=tally.depth,
        aliases=tally.aliases,
        repeated_fields=tally.repeated,
        cost=tally.cost,
        introspection=tally.introspection,
        sized_by_variables=walker.sized_by_variables,
        work=tally.work,
        heaviest=tally.heaviest,
    )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def breaches(
    found: Measure, limits: Limits, *, authenticated: bool | None, trusted: bool = False
) -> list[dict[str, Any]]:
    """The GraphQL errors for every limit `found` exceeds (empty: it may run).

    `authenticated` is None while the gateway has no authentication configured; the
    "authenticated" introspection policy then allows introspection. `trusted`: a service of
    the suite, whose reads are bounded by the user request that caused them (no work limit).
    """
    errors = []
    if found.depth > limits.max_depth:
        errors.append(
            _error(
                "DEPTH_LIMIT_EXCEEDED",
                f"The operation is {found.depth} fields deep; the limit is {limits.max_depth}.",
            )
        )
    if found.aliases > limits.max_aliases:
        errors.append(
            _error(
                "ALIAS_LIMIT_EXCEEDED",
                f"The operation uses {found.aliases} aliases; the limit is {limits.max_aliases}.",
            )
        )
    if found.repeated_fields > limits.max_repeated_fields:
        errors.append(
            _error(
                "REPEATED_FIELDS_LIMIT_EXCEEDED",
                f"The operation repeats {found.repeated_fields} fields under names it already "
                f"selects; the limit is {limits.max_repeated_fields}.",
            )
        )
    if found.cost > limits.max_cost:
        cost = "more than 10^15" if found.cost >= _COST_CAP else str(found.cost)
        errors.append(
            _error(
                "COST_LIMIT_EXCEEDED",
                f"The operation's estimated cost is {cost}; the limit is {limits.max_cost}. "
                "Ask for smaller pages (first/limit).",
            )
        )
    if found.work > max(limits.max_work, found.heaviest) and not trusted:
        work = "more than 10^15" if found.work >= _COST_CAP else str(found.work)
        errors.append(
            {
                "message": f"操作的预计工作量为 {work}，上限为 {limits.max_work}："
                "请分成几次请求，或缩小区域（街道、社区）",
                "extensions": {
                    "code": "COST_LIMIT_EXCEEDED",
                    "messageEn": f"The operation's estimated work is {work}; the limit is "
                    f"{limits.max_work}. Split it into several requests or ask for smaller "
                    "regions (a street or a community).",
                    "work": found.work,
                    "maxWork": limits.max_work,
                },
            }
        )
    if found.introspection and not introspection_allowed(limits, authenticated=authenticated):
        errors.append(
            _error("INTROSPECTION_DISABLED", "Introspection is not allowed for this request.")
        )
    return errors


def introspection_allowed(limits: Limits, *, authenticated: bool | None) -> bool:
    """Whether `__schema`/`__type` may be asked for by this caller."""
    if limits.introspection == "always":
        return True
    if limits.introspection == "never":
        return False
    return authenticated is not False


TOKEN_LIMIT_CODE = "TOKEN_LIMIT_EXCEEDED"


def is_token_limit(message: str) -> bool:
    """Whether a parser error is graphql-core's `max_tokens` refusal."""
    return "tokens. Parsing aborted" in message
