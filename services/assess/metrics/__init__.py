"""Computed indicators: measures of the live graph read through the gateway."""
