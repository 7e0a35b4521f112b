"""The grading standard: its tables, its YAML documents, its GraphQL types."""
