"""Monthly reports in the graph: types and operations."""
