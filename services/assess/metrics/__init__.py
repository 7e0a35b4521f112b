"""Computed indicators: measures of the live graph, read from org and grid directly."""
