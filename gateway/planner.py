"""Query planning over the supergraph's `@join__*` directives.

Root fields are grouped per subgraph (query roots fetched concurrently, mutation roots in
order, each whole in one subgraph that serves its selection). Walking a fetch's selection, a field its subgraph cannot resolve makes the planner add
the type's key (and `__typename`) to that fetch, under internal aliases, and hand the field to
an `_entities` fetch of a subgraph that can. There is one entity fetch per (subgraph, response
path, type), so all objects at a path travel in one batch (an interface object's fields asked
otherwise per implementation get one fetch per selection, sent in one request). `@requires` fields join the
representations: a required field with a `@requires` of its own is read through `_entities`
with its requirement in turn (chains), arguments are sent as the field set gives them, and
nested required fields another subgraph resolves are planned like the client's fields, at the
internal alias's path. Plans are cached per document,
operation and `@skip`/`@include` condition values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    print_ast,
)

from gateway.collect import (
    FieldGroups,
    collect_fields,
    condition_key,
    condition_variables,
    sub_selections,
)
from gateway.interface_objects import InterfaceObjects, plan_added_fields, plan_interface_value
from gateway.keys import MAX_HOPS, EntityKeys, field_set
from gateway.plan import (
    Fetch,
    Introspection,
    KeyField,
    PlanningError,
    QueryPlan,
    Selection,
    entity_batches,
    fetch_document,
)
from gateway.required import one_argument_set, required_fields
from gateway.shape import INTROSPECTION_ROOT_FIELDS, build_shape
from gateway.split import Part, Splitter, unserved
from gateway.supergraph import Supergraph, graphs_in_order

BASE_PREFIX = "_pgk"
# Caches are keyed by document text: a huge one-off document is planned but not kept.
MAX_CACHED_CHARS = 100_000
# Routings kept for other sets of progressive-override labels (each with its own plan cache).
MAX_LABEL_ROUTINGS = 8


def _variables_in(value: ValueNode, found: set[str]) -> None:
    if isinstance(value, VariableNode):
        found.add(value.name.value)
    elif isinstance(value, ListValueNode):
        for item in value.values:
            _variables_in(item, found)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            _variables_in(field.value, found)


def internal_prefix(document: DocumentNode) -> str:
    """An alias prefix no response key or variable of the client's document starts with."""
    keys: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            keys.update(v.variable.name.value for v in definition.variable_definitions or ())
    stack = [d.selection_set for d in document.definitions if hasattr(d, "selection_set")]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                keys.add(selection.alias.value if selection.alias else selection.name.value)
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)
    number = 0
    while True:
        prefix = f"{BASE_PREFIX}{number or ''}_"
        if not any(k.startswith(prefix) for k in keys):
            return prefix
        number += 1


class _Builder:
    """Plans one operation; holds the fetches made so far."""

    def __init__(
        self,
        planner: Planner,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        prefix: str,
    ) -> None:
        self.supergraph = planner.supergraph
        self.schema = planner.schema
        self.keys = planner.keys
        self.iobj = planner.iobj
        self.fragments = fragments
        self.variables = variables
        self.prefix = prefix
        self.typename_alias = prefix + "__typename"
        self.fetches: list[Fetch] = []
        self.entity_fetches: dict[tuple[str, tuple[str, ...], str, str], Fetch] = {}
        # (path, type, required field as text) -> the helper fetch that selects it, how to
        # read it, and the fetches that write it: a chain whose links share inputs
        # (f3 needs f2 f1, f2 needs f1) plans each input once, not once per use.
        self.required: dict[
            tuple[tuple[str, ...], str, str], tuple[Fetch, KeyField, list[int]]
        ] = {}
        # (path, internal alias, nested field names) -> the arguments a required field set
        # asks that nested field with: a second set would be merged silently.
        self.nested_arguments: dict[tuple[str, ...], str] = {}
        self.splitter = Splitter(self.supergraph, self.schema, self.collect)

    def new_fetch(self, graph: str, **kwargs: Any) -> Fetch:
        fetch = Fetch(id=len(self.fetches), graph=graph, **kwargs)
        self.fetches.append(fetch)
        return fetch

    def begin_stage(self) -> int:
        """Entity fetches are shared within a stage only; returns where the stage starts."""
        self.entity_fetches = {}
        self.required = {}
        return len(self.fetches)

    # Root fields --------------------------------------------------------------------------

    def root_groups(
        self, root: str, groups: FieldGroups, *, ordered: bool
    ) -> list[tuple[str, FieldGroups]]:
        """(graph, fields) per root fetch: per subgraph for queries, consecutive for mutations."""
        if ordered:
            consecutive: list[tuple[str, FieldGroups]] = []
            for key, nodes in groups.items():
                previous = consecutive[-1][0] if consecutive else None
                graph = self.mutation_graph(root, key, nodes, previous)
                if graph != previous:
                    consecutive.append((graph, {}))
                consecutive[-1][1][key] = nodes
            return consecutive
        by_graph: dict[str, FieldGroups] = {}
        for key, nodes in groups.items():
            graphs = self.root_graphs(root, nodes)
            # A field several subgraphs resolve joins a fetch already planned (fewer requests)
            # unless another serves more of its selection itself; a selection of value types
            # no one subgraph serves whole is split between several.
            for graph, part in self.cover_root(root, key, nodes, graphs, list(by_graph)):
                by_graph.setdefault(graph, {})[key] = part
        return list(by_graph.items())

    def mutation_graph(
        self, root: str, key: str, nodes: list[FieldNode], previous: str | None
    ) -> str:
        """The subgraph to run mutation field `key` in: one serving its whole selection (a
        mutation must run once, so it is never split), the previous group's if it does
        (fewer requests), else the first in declaration order."""
        graphs = self.root_graphs(root, nodes)
        first = graphs[0]
        if previous in graphs:
            graphs = [previous, *(g for g in graphs if g != previous)]
        parts = {g: self.splitter.split(g, root, {key: nodes}) for g in graphs}
        for graph in graphs:
            if not parts[graph].rest:
                return graph
        raise PlanningError(
            f"Cannot plan {root}.{nodes[0].name.value}: no subgraph that resolves it resolves "
            f"all of its selection ({first} does not resolve "
            f"{unserved(self.splitter, root, parts[first].rest)}), and a mutation runs in one "
            "subgraph only."
        )

    def cover_root(
        self, root: str, key: str, nodes: list[FieldNode], graphs: list[str], planned: list[str]
    ) -> list[tuple[str, list[FieldNode]]]:
        """The root fetches (graph, nodes) that serve root field `key` together."""
        if len(graphs) > 1:
            graphs = sorted(
                graphs,
                key=lambda g: (self.splitter.missing(g, root, {key: nodes}), g not in planned),
            )
        try:
            return self.splitter.cover(root, key, nodes, graphs)
        except ValueError as error:
            raise PlanningError(
                f"Cannot plan {root}.{nodes[0].name.value}: no subgraph that resolves it "
                f"also resolves {error}, and a value type has no key to fetch that by from "
                "another subgraph."
            ) from None

    def root_graphs(self, root: str, nodes: list[FieldNode]) -> list[str]:
        name = nodes[0].name.value
        graphs = graphs_in_order(self.supergraph, self.supergraph.resolving_graphs(root, name))
        if not graphs:
            raise PlanningError(f"No subgraph resolves {root}.{name}.")
        return graphs

    # Objects and fields -------------------------------------------------------------------

    def plan_object(  # noqa: PLR0913 -- the planner's walk: where it is (fetch, selection, path) and what it plans
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        groups: FieldGroups,
        path: tuple[str, ...],
        provided: Provided | None = None,
        *,
        required_ready: bool = False,
    ) -> None:
        """Add `groups` (fields of `type_name` at `path`) to `fetch`, or to entity fetches.

        `provided` lists fields the subgraph `@provides` here although it does not own them.
        `required_ready` says `fetch` is the entity fetch whose representations already carry
        what the `@requires` of these fields need.
        """
        remote: dict[str, FieldGroups] = {}
        added: dict[tuple[str, str, str], FieldGroups] = {}
        partial: FieldGroups = {}
        for key, nodes in groups.items():
            name = nodes[0].name.value
            if name == "__typename":
                continue  # the shaping pass writes typenames
            # Whether `fetch`'s subgraph resolves it, or provides all the client asks of it.
            here = self.local(fetch.graph, type_name, name, provided, nodes)
            if here and (required_ready or not self.requires(fetch.graph, type_name, name)):
                part = self.local_part(fetch.graph, type_name, key, nodes, provided)
                if part.rest:  # a value type this subgraph resolves only part of
                    partial[key] = part.rest[key]
                if key in part.served:
                    self.plan_field(
                        fetch, selection, type_name, key, part.served[key], path, provided
                    )
            elif not self.supergraph.resolving_graphs(type_name, name) and (
                route := self.iobj.route(type_name, name)
            ):
                added.setdefault(route, {})[key] = nodes  # an interface object adds it
            elif not here and not (provided and name in provided) and self.splits(type_name, name):
                partial[key] = nodes  # a value type: to the subgraphs serving most of it
            else:
                # A field whose @requires is not at hand goes through `_entities` even to its
                # own subgraph: only representations carry the required fields.
                target = (
                    fetch.graph if here else self.choose_graph(fetch.graph, type_name, name, remote)
                )
                remote.setdefault(target, {})[key] = nodes
        for key, nodes in partial.items():
            self.place_rest(fetch.graph, type_name, key, nodes, remote)
        for target, fields in remote.items():
            child = self.jump(fetch, selection, type_name, target, path)
            self.add_requires(fetch, selection, type_name, child, fields, path)
            self.plan_object(child, child.selection, type_name, fields, path, required_ready=True)
        plan_added_fields(self, fetch, selection, type_name, path, added)

    def local_part(
        self,
        graph: str,
        type_name: str,
        key: str,
        nodes: list[FieldNode],
        provided: Provided | None,
    ) -> Part:
        """What `graph` serves of field `key` here (all of it unless a value type's fields
        live elsewhere; `@provides` decides on its own)."""
        name = nodes[0].name.value
        if (provided and name in provided) or self.provided_under(
            graph, type_name, name, provided
        ) is not None:
            return Part({key: nodes}, 1, {})
        return self.splitter.split(graph, type_name, {key: nodes})

    def splits(self, type_name: str, name: str) -> bool:
        """Whether a value-typed field of entity `type_name` may be split between subgraphs."""
        return (
            self.supergraph.is_entity(type_name)
            and self.splitter.value_child(type_name, name) is not None
        )

    def place_rest(
        self,
        source: str,
        type_name: str,
        key: str,
        nodes: list[FieldNode],
        remote: dict[str, FieldGroups],
    ) -> None:
        """Hand what `source` cannot serve of value-typed field `key` to entity fetches of
        other subgraphs resolving it: one serving all that is left if any, else the one
        serving the most; then one already fetched at this path, then the nearest."""
        name = nodes[0].name.value
        if not self.supergraph.is_entity(type_name):
            # Reached under an abstract type: there the planner does not split. (Mutation root
            # fields never get here: each goes whole to one subgraph, see `mutation_graph`.)
            missing = unserved(self.splitter, type_name, {key: nodes})
            raise PlanningError(
                f"Cannot plan {type_name}.{name}: {source} resolves only part of its selection, "
                f"and {type_name} has no key to fetch {missing} by from another subgraph."
            )
        routes = {
            g: route
            for g in self.keys.helpers(type_name, name, exclude=source)
            if (route := self.keys.route(type_name, source, g)) is not None
        }
        try:
            pieces = self.splitter.cover(
                type_name, key, nodes, list(routes), lambda g: (g in remote, -routes[g][1])
            )
        except ValueError as error:
            raise PlanningError(
                f"Cannot plan {type_name}.{name}: no subgraph reachable from {source} by "
                f"a key of {type_name} resolves both {type_name}.{name} and {error}."
            ) from None
        for graph, served in pieces:
            remote.setdefault(graph, {})[key] = served

    def local(
        self,
        graph: str,
        type_name: str,
        name: str,
        provided: Provided | None,
        nodes: list[FieldNode] | None = None,
    ) -> bool:
        """Whether `graph` can resolve `type_name.name` in the fetch at hand."""
        if graph in self.supergraph.resolving_graphs(type_name, name):
            return True
        if not (provided and name in provided):
            return False
        return nodes is None or self.provided_covers(graph, type_name, name, provided, nodes)

    def provided_covers(
        self, graph: str, parent: str, name: str, provided: Provided, nodes: list[FieldNode]
    ) -> bool:
        """Whether what `graph` provides in `parent.name` covers the client's selection there.

        Inside a provided value type (no key) a field only its owner resolves cannot be
        reached: the whole field then goes to the owner. Inside a provided entity the walk
        jumps by key as usual.
        """
        parent_type = self.schema.get_type(parent)
        assert isinstance(parent_type, GraphQLObjectType | GraphQLInterfaceType)
        named = get_named_type(parent_type.fields[name].type)
        if not is_composite_type(named) or self.supergraph.is_entity(named.name):
            return True
        inner = provided[name]
        runtimes = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        for runtime in runtimes:
            assert isinstance(runtime, GraphQLObjectType)
            if self.supergraph.is_entity(runtime.name):
                continue  # an entity: the walk jumps by key for what is not provided
            for child_nodes in self.collect(runtime, sub_selections(nodes)).values():
                child = child_nodes[0].name.value
                if child != "__typename" and not self.local(
                    graph, runtime.name, child, provided_for(inner, runtime.name), child_nodes
                ):
                    return False
        return True

    def requires(self, graph: str, type_name: str, name: str) -> str | None:
        """The `@requires` field set of `type_name.name` in `graph`, if any."""
        info = self.supergraph.types.get(type_name)
        found = info.fields.get(name) if info else None
        join = found.join_for(graph) if found else None
        return join.requires if join else None

    def plan_field(  # noqa: PLR0913 -- the planner's walk: where it is (fetch, selection, path) and what it plans
        self,
        fetch: Fetch,
        selection: Selection,
        parent: str,
        key: str,
        nodes: list[FieldNode],
        path: tuple[str, ...],
        provided: Provided | None = None,
    ) -> None:
        node = nodes[0]
        name = node.name.value
        arguments = self.arguments(node, fetch)
        parent_type = self.schema.get_type(parent)
        # Fields are planned on object types (and interface objects, should a supergraph have them).
        assert isinstance(parent_type, GraphQLObjectType | GraphQLInterfaceType)
        named = get_named_type(parent_type.fields[name].type)
        if not is_composite_type(named):
            selection.add(key, name, arguments)
            return
        children = selection.add(key, name, arguments, composite=True).children
        assert children is not None
        subsets = sub_selections(nodes)
        child_path = (*path, key)
        inner = self.provided_under(fetch.graph, parent, name, provided)
        own = self.splitter.own_type(fetch.graph, parent, name)
        if own is not None and own is not named and is_abstract_type(named):
            # The subgraph's field is an object type of the supergraph's abstract one: send it
            # the selection of that type alone (a fragment on another type is invalid there).
            children.add(self.typename_alias, "__typename")
            named = own
        if not is_abstract_type(named):
            assert isinstance(named, GraphQLObjectType)  # composite, not abstract
            groups = self.collect(named, subsets)
            self.plan_object(
                fetch, children, named.name, groups, child_path, provided_for(inner, named.name)
            )
            return
        if isinstance(named, GraphQLInterfaceType) and self.iobj.is_interface_object(
            named.name, fetch.graph
        ):
            if self.iobj.typename_source(named.name, fetch.graph) is None:
                raise PlanningError(
                    f"Cannot plan {parent}.{name}: {fetch.graph} returns {named.name} as an "
                    f"interface object and no subgraph that knows {named.name} as an interface "
                    "can be reached by its key to tell each object's type."
                )
            plan_interface_value(self, fetch, children, named, subsets, child_path, inner)
            return
        # Abstract: the runtime type decides, so plan each possible type the subgraph knows.
        children.add(self.typename_alias, "__typename")
        known = set(self.supergraph.possible_types(named.name, fetch.graph))
        for runtime in self.schema.get_possible_types(named):
            if runtime.name in known:
                groups = self.collect(runtime, subsets)
                if any(nodes[0].name.value != "__typename" for nodes in groups.values()):
                    self.plan_object(
                        fetch,
                        children.on(runtime.name),
                        runtime.name,
                        groups,
                        child_path,
                        provided_for(inner, runtime.name),
                    )

    def provided_under(
        self, graph: str, parent: str, name: str, provided: Provided | None
    ) -> Provided | None:
        """What `graph` provides inside `parent.name`: its own `@provides`, or a nested part
        of one that an outer field declared."""
        if provided and provided.get(name) is not None:
            return provided[name]
        info = self.supergraph.types.get(parent)
        found = info.fields.get(name) if info else None
        join = found.join_for(graph) if found else None
        if join is None or not join.provides:
            return None
        return provides_map(field_set(join.provides))

    def collect(self, runtime: GraphQLObjectType, subsets: list[SelectionSetNode]) -> FieldGroups:
        return collect_fields(self.schema, self.fragments, self.variables, runtime, subsets)

    def arguments(self, node: FieldNode, fetch: Fetch) -> str:
        """The field's arguments as GraphQL text; records the variables they use."""
        if not node.arguments:
            return ""
        for argument in node.arguments:
            _variables_in(argument.value, fetch.variables)
        return "(" + ", ".join(print_ast(a) for a in node.arguments) + ")"

    # Entity jumps -------------------------------------------------------------------------

    def choose_graph(
        self, source: str, type_name: str, field: str, remote: dict[str, FieldGroups]
    ) -> str:
        """A subgraph that resolves `type_name.field` and can be reached from `source`."""
        routes = {
            g: route
            for g in self.keys.helpers(type_name, field)
            if (route := self.keys.route(type_name, source, g)) is not None
        }
        if not routes:
            why = (
                "no subgraph that resolves it can be reached"
                if self.supergraph.is_entity(type_name)
                else f"{source} does not resolve it and {type_name} has no key to fetch it by "
                "from another subgraph (the planner splits value types below root fields and "
                "entities only, not below abstract types)"
            )
            raise PlanningError(f"Cannot plan {type_name}.{field}: {why}.")
        # Fields already going to a subgraph at this path pull more fields along: fewer
        # fetches; otherwise the fewest hops, then declaration order.
        already = [g for g in routes if g in remote]
        if already:
            return already[0]
        return min(routes, key=lambda g: routes[g][1])

    def jump(  # noqa: PLR0913 -- the planner's walk: where it is, the target, then hops and order
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        target: str,
        path: tuple[str, ...],
        depth: int = 0,
        before: frozenset[int] = frozenset(),
    ) -> Fetch:
        """The entity fetch of `target` for the `type_name` objects `fetch` puts at `path`.

        `fetch` selects the key's fields it can resolve (and `__typename`); others come from
        helper entity fetches at the same path, which the new fetch then waits for. `before`
        names fetches the one returned must run before (it feeds their `@requires`).
        """
        route = self.keys.route(type_name, fetch.graph, target)
        if route is None or depth > MAX_HOPS:
            raise PlanningError(f"Cannot plan {type_name}: {target} cannot be reached.")
        selection.add(self.typename_alias, "__typename")
        key_fields, after = self.require(
            fetch, selection, type_name, field_set(route[0]), path, depth=depth
        )
        return self.entity_fetch(target, type_name, path, key_fields, after, before)

    def require(  # noqa: PLR0913 -- the planner's walk: where it is, the field set, then keyword-only options
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        fields: SelectionSetNode,
        path: tuple[str, ...],
        *,
        optional: bool = False,
        depth: int = 0,
        avoid: str = "",
        before: frozenset[int] = frozenset(),
        requiring: frozenset[tuple[str, str, str]] = frozenset(),
    ) -> tuple[tuple[KeyField, ...], list[int]]:
        """Have the fields of a field set put at `path` under internal aliases: by `fetch` when
        its subgraph resolves them, else by helper entity fetches. Returns how to read them and
        the fetches that write them. `requiring`: the (subgraph, type, field) whose
        `@requires` are being planned, down to here."""
        found: list[KeyField] = []
        after = [fetch.id]
        for node in fields.selections:
            if not isinstance(node, FieldNode):
                continue
            name = node.name.value
            local = fetch.graph in self.supergraph.resolving_graphs(type_name, name)
            if not optional and self.keys.returns_key_field(fetch.graph, type_name, name):
                local = True
            if local and not self.requires(fetch.graph, type_name, name):
                key_field, nested = self.select_required(
                    fetch, selection, type_name, node, path, optional=optional
                )
                found.append(key_field)
                after.extend(nested)
                continue
            # A required field with a @requires of its own (a chain) is read through
            # `_entities`, even from `fetch`'s own subgraph: only representations carry
            # what it needs in turn.
            remembered = self.required.get((path, type_name, print_ast(node)))
            if remembered is not None:
                helper, key_field, writers = remembered
                # Reused unless that makes a cycle: the helper must not wait for a fetch that
                # waits for this one's reader.
                if helper.graph != avoid and not self.waits_for(helper, before):
                    found.append(replace(key_field, optional=optional))
                    after.extend(writers)
                    continue
            helper_graph = (
                fetch.graph if local else self.helper_graph(fetch.graph, type_name, name, avoid)
            )
            if (fetch.graph, fetch.path, fetch.entity_type) == (helper_graph, path, type_name):
                raise PlanningError(
                    f"Cannot plan {type_name}.{name}: it is required in {helper_graph} by a "
                    "field of the same entity fetch and needs a @requires of its own."
                )
            helper = self.jump(fetch, selection, type_name, helper_graph, path, depth + 1, before)
            self.add_requires(
                fetch,
                selection,
                type_name,
                helper,
                {name: [node]},
                path,
                before=before,
                requiring=requiring,
            )
            key_field, nested = self.select_required(
                helper, helper.selection, type_name, node, path, optional=optional
            )
            found.append(key_field)
            after.append(helper.id)
            after.extend(nested)
            self.required[(path, type_name, print_ast(node))] = (
                helper,
                key_field,
                [helper.id, *nested],
            )
        return tuple(found), after

    def select_required(
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        node: FieldNode,
        path: tuple[str, ...],
        *,
        optional: bool,
    ) -> tuple[KeyField, list[int]]:
        """Select one field of a key or `@requires` field set in `fetch`. Its sub-fields that
        `fetch`'s subgraph cannot resolve (`@requires(fields: "maker { country }")`, country
        from a third subgraph) are planned like the client's fields, by entity fetches at
        the internal alias's path; returns those fetches too."""
        inner = self.supergraph.field(type_name, node.name.value).type_name
        if node.selection_set is None or self.all_local(fetch.graph, inner, node.selection_set):
            key_field = self.keys.select_field(
                selection, node, self.prefix, optional=optional, owner=type_name
            )
            return key_field, []
        named = self.schema.get_type(inner)
        if not isinstance(named, GraphQLObjectType):
            raise PlanningError(
                f"Cannot plan {type_name}.{node.name.value}: its field set needs fields of "
                f"{inner} that {fetch.graph} does not resolve, and {inner} is not an object type "
                "clients can query."
            )
        key_field = self.keys.select_field(
            selection, node, self.prefix, optional=optional, nested=False
        )
        children = selection.fields[key_field.alias].children
        assert children is not None  # selected as a composite field
        one_argument_set(
            self.nested_arguments,
            (*path, key_field.alias),
            f"{type_name}.{node.name.value}",
            node.selection_set,
        )
        start = len(self.fetches)
        groups = self.collect(named, [node.selection_set])
        self.plan_object(fetch, children, inner, groups, (*path, key_field.alias))
        if "__typename" in groups:  # the field set asks it: the representation carries it
            children.add("__typename", "__typename")
        return key_field, [f.id for f in self.fetches[start:]]

    def all_local(self, graph: str, type_name: str, fields: SelectionSetNode) -> bool:
        """Whether `graph` resolves every field of a field set on `type_name`, nested ones
        included."""
        for node in fields.selections:
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else type_name
                if not self.all_local(graph, condition, node.selection_set):
                    return False
                continue
            if not isinstance(node, FieldNode):
                return False
            name = node.name.value
            if name == "__typename":
                continue
            if graph not in self.supergraph.resolving_graphs(
                type_name, name
            ) and not self.keys.returns_key_field(graph, type_name, name):
                return False
            if node.selection_set is not None and not self.all_local(
                graph, self.supergraph.field(type_name, name).type_name, node.selection_set
            ):
                return False
        return True

    def helper_graph(self, source: str, type_name: str, field: str, avoid: str) -> str:
        """The nearest subgraph, other than `avoid`, that resolves `field` for `source`."""
        routes = {
            g: route
            for g in self.keys.helpers(type_name, field, exclude=avoid)
            if (route := self.keys.route(type_name, source, g)) is not None
        }
        if not routes:
            raise PlanningError(
                f"Cannot plan {type_name}.{field}: no subgraph that resolves it can be reached."
            )
        return min(routes, key=lambda g: routes[g][1])

    def add_requires(  # noqa: PLR0913 -- the planner's walk: where it is, the fields, then order
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        child: Fetch,
        fields: FieldGroups,
        path: tuple[str, ...],
        *,
        before: frozenset[int] = frozenset(),
        requiring: frozenset[tuple[str, str, str]] = frozenset(),
    ) -> None:
        """Add what `@requires` of `fields` in `child`'s subgraph needs to its representations
        (required fields may be null, so they are optional there). `before`: fetches that
        wait for `child` in turn, which the fetches feeding it must not be. `requiring`: the
        fields whose `@requires` are being planned, down to here: one that needs itself again
        (x requires y, y requires x) cannot be planned."""
        for nodes in fields.values():
            name = nodes[0].name.value
            join = self.supergraph.field(type_name, name).join_for(child.graph)
            if join is None or not join.requires:
                continue
            ident = (child.graph, type_name, name)
            if ident in requiring:
                raise PlanningError(
                    f"Cannot plan {type_name}.{name} in {child.graph}: its @requires needs, "
                    f"through a chain of @requires, {type_name}.{name} itself."
                )
            flat = required_fields(self.schema, type_name, name, field_set(join.requires))
            key_fields, after = self.require(
                fetch,
                selection,
                type_name,
                SelectionSetNode(selections=tuple(flat)),
                path,
                optional=True,
                avoid=child.graph,
                before=before | {child.id},
                requiring=requiring | {ident},
            )
            child.key_fields = tuple(dict.fromkeys(child.key_fields + key_fields))
            child.depends_on.extend(d for d in after if d not in child.depends_on)
            _one_value_per_name(child, type_name)

    def entity_fetch(  # noqa: PLR0913 -- what is fetched, from where, then order and variant
        self,
        graph: str,
        type_name: str,
        path: tuple[str, ...],
        key_fields: tuple[KeyField, ...],
        after: list[int],
        before: frozenset[int] = frozenset(),
        *,
        variant: str = "",
    ) -> Fetch:
        """The stage's one `_entities` fetch of `graph` for `type_name` objects at `path`; a
        second one when that one waits for a fetch in `before` (a `@requires` chain that comes
        back to a subgraph: c in C needs b from B, which needs x from C). `variant` keeps
        apart fetches whose selections must differ (an interface object's, per implementation
        asking other fields under one response key)."""
        ident = (graph, path, type_name, variant)
        found = self.entity_fetches.get(ident)
        if found is not None and self.waits_for(found, before):
            found = self.new_fetch(graph, path=path, entity_type=type_name, key_fields=key_fields)
        elif found is None:
            found = self.new_fetch(graph, path=path, entity_type=type_name, key_fields=key_fields)
            self.entity_fetches[ident] = found
        else:  # another parent at the same path: the batch sends what both need
            found.key_fields = tuple(dict.fromkeys(found.key_fields + key_fields))
        found.depends_on.extend(d for d in after if d not in found.depends_on)
        return found

    def waits_for(self, fetch: Fetch, others: frozenset[int]) -> bool:
        """Whether `fetch` is one of `others` or waits for one of them, directly or not."""
        seen: set[int] = set()
        stack = [fetch.id]
        while stack:
            current = stack.pop()
            if current in others:
                return True
            if current not in seen:
                seen.add(current)
                stack.extend(self.fetches[current].depends_on)
        return False


def _one_value_per_name(fetch: Fetch, type_name: str) -> None:
    """A representation holds one value per field: two `@requires` of one subgraph asking
    the same field with other arguments (`weight(unit: G)`, `weight(unit: KG)`) cannot both
    be sent."""
    arguments: dict[str, str] = {}
    for key in fetch.key_fields:
        if arguments.setdefault(key.name, key.arguments) != key.arguments:
            raise PlanningError(
                f"Cannot plan {type_name}.{key.name} for {fetch.graph}: its @requires ask it "
                "with different arguments, and a representation carries one value."
            )


Provided = Mapping[str, "Provided | None"]
"""Fields a subgraph `@provides` at a place: name -> what it provides inside (None: a leaf)."""


def provides_map(fields: SelectionSetNode) -> dict[str, Provided | None]:
    """A `@provides` field set as nested names (type conditions flattened)."""
    found: dict[str, Provided | None] = {}
    for node in fields.selections:
        if isinstance(node, FieldNode):
            found[node.name.value] = (
                provides_map(node.selection_set) if node.selection_set is not None else None
            )
        elif isinstance(node, InlineFragmentNode) and node.type_condition is not None:
            # Kept apart: what is provided on one member of a union is not on the others.
            found[_ON + node.type_condition.name.value] = provides_map(node.selection_set)
        elif isinstance(node, InlineFragmentNode):
            found.update(provides_map(node.selection_set))
    return found


_ON = "... on "  # provides_map's key for a type condition; never a field name


def provided_for(provided: Provided | None, runtime: str) -> Provided | None:
    """What is provided on an object of type `runtime`: the unconditioned fields and those
    under `... on <runtime>`."""
    if not provided:
        return provided
    found: dict[str, Provided | None] = {k: v for k, v in provided.items() if not k.startswith(_ON)}
    typed = provided.get(_ON + runtime)
    if typed:
        found.update(provided_for(typed, runtime) or {})
    return found


class Planner:
    """Plans operations over one supergraph and caches the plans (LRU)."""

    def __init__(self, supergraph: Supergraph, schema: GraphQLSchema, *, cache_size: int = 512):
        self.supergraph = supergraph
        self.schema = schema
        self.keys = EntityKeys(supergraph)
        self.iobj = InterfaceObjects(supergraph)
        self.cache_size = cache_size
        self._plans: OrderedDict[tuple, QueryPlan] = OrderedDict()
        self._conditions: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
        # One planner per other set of enabled progressive-override labels (gateway.override),
        # the most recently used few: r ramps could draw 2^r sets.
        self._by_labels: OrderedDict[frozenset[str], Planner] = OrderedDict()

    def plan(
        self,
        text: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        labels: frozenset[str] | None = None,
    ) -> QueryPlan:
        """The plan of `operation` (validated) for these `@skip`/`@include` variable values,
        routed with `labels` enabled (None: the supergraph's own choice)."""
        if labels is not None and labels != self.supergraph.enabled_labels:
            return self.with_labels(labels).plan(text, document, operation, variables)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        name = operation.name.value if operation.name else None
        names = self._remember(self._conditions, (text, name), None)
        if names is None:
            names = condition_variables(operation, fragments)
            self._remember(self._conditions, (text, name), names)
        cache_key = (text, name, condition_key(names, variables))
        plan = self._remember(self._plans, cache_key, None)
        if plan is None:
            plan = self._build(document, operation, fragments, variables)
            self._remember(self._plans, cache_key, plan)
        return plan

    def with_labels(self, labels: frozenset[str]) -> Planner:
        """The planner routing with `labels` enabled (kept while among the recent few)."""
        found = self._by_labels.get(labels)
        if found is None:
            found = Planner(
                self.supergraph.with_labels(labels),
                self.schema,
                cache_size=max(1, self.cache_size // MAX_LABEL_ROUTINGS),
            )
            self._by_labels[labels] = found
            if len(self._by_labels) > MAX_LABEL_ROUTINGS:
                self._by_labels.popitem(last=False)
        else:
            self._by_labels.move_to_end(labels)
        return found

    def _remember(self, cache: OrderedDict, key: tuple, value: Any) -> Any:
        """LRU get (value None) or put."""
        if len(key[0]) > MAX_CACHED_CHARS:
            return value
        if value is None:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found
        cache[key] = value
        if len(cache) > self.cache_size:
            cache.popitem(last=False)
        return value

    def _build(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> QueryPlan:
        if operation.operation == OperationType.SUBSCRIPTION:
            raise PlanningError("Subscriptions are not supported by this gateway.")
        mutation = operation.operation == OperationType.MUTATION
        root = self.schema.mutation_type if mutation else self.schema.query_type
        assert root is not None  # validation rejects operations the schema has no root for
        prefix = internal_prefix(document)
        builder = _Builder(self, fragments, variables, prefix)
        groups = builder.collect(root, [operation.selection_set])
        introspection = {
            k: n for k, n in groups.items() if n[0].name.value in INTROSPECTION_ROOT_FIELDS
        }
        routed = {
            k: n
            for k, n in groups.items()
            if k not in introspection and n[0].name.value != "__typename"
        }
        supergraph_root = (
            self.supergraph.mutation_type if mutation else self.supergraph.query_type
        ) or root.name
        stages: list[tuple[Fetch, ...]] = []
        for graph, fields in builder.root_groups(supergraph_root, routed, ordered=mutation):
            start = builder.begin_stage() if mutation else 0
            fetch = builder.new_fetch(graph)
            builder.plan_object(fetch, fetch.selection, root.name, fields, ())
            if mutation:  # each group of mutation fields runs after the previous one finished
                stages.append(tuple(builder.fetches[start:]))
        if not mutation and builder.fetches:
            stages.append(tuple(builder.fetches))
        variable_names = {v.variable.name.value for v in operation.variable_definitions or ()}
        representations = (
            "representations" if "representations" not in variable_names else prefix + "reps"
        )
        for fetch in builder.fetches:
            fetch.document = fetch_document(fetch, operation, mutation, representations, prefix)
        batches = tuple(b for stage in stages for b in entity_batches(stage, prefix))
        return QueryPlan(
            kind="mutation" if mutation else "query",
            stages=tuple(stages),
            shape=build_shape(self.schema, fragments, variables, root, [operation.selection_set]),
            root_type=root.name,
            prefix=prefix,
            representations_variable=representations,
            introspection=_introspection(operation, fragments, introspection),
            batches=batches,
            batch_of={f.id: b for b in batches for f in b.fetches},
        )


def _introspection(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    groups: FieldGroups,
) -> Introspection | None:
    if not groups:
        return None
    nodes = tuple(n for group in groups.values() for n in group)
    return Introspection(
        operation=OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=operation.variable_definitions,
            directives=(),
            selection_set=SelectionSetNode(selections=nodes),
        ),
        fragments=tuple(fragments.values()),
    )
