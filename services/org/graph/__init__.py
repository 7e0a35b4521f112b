"""GraphQL types and resolvers of the org subgraph, one module per area; thin over domain code."""
