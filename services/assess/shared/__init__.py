"""Shared bits of assess: dates, text, document owners, YAML documents, the clients of org and grid."""
