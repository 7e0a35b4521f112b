"""GraphQL types and resolvers of the grid subgraph, one module per area; thin over domain code."""
