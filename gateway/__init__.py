"""PartyGrid's gateway: the one public GraphQL endpoint over the federated subgraphs.

Request path, module by module:

- `app`: the Starlette app (`/graphql`, `/healthz`, `/static`), built by `create_app`.
- `http`: GraphQL-over-HTTP request parsing, media types, status codes.
- `runtime`: `Gateway`, the pipeline: parse and validate (cached), plan, execute.
- `supergraph`: the supergraph SDL read into routing facts (`@join__*`).
- `api_schema`: the client-facing schema derived from the supergraph.
- `collect`, `planner`, `keys`, `plan`: query planning into fetches per subgraph.
- `executor`, `transport`, `errors`: running fetches, merging JSON, re-pathing errors.
- `shape`: the final pass to the client's selection with null propagation.
- `graphiql`, `static/graphiql`: the offline GraphiQL page.
"""
