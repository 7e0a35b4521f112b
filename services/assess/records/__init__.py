"""Attested records and their evidence files: tables, checks, writes, routes, GraphQL."""
