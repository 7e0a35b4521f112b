"""Shared bits of assess: dates, text, document owners, YAML documents, the gateway client."""
