"""Parse and validate each distinct GraphQL document once per subgraph process.

The gateway sends a subgraph the same few planned documents again and again (only variables
differ), and validating one costs milliseconds: caching both steps takes that off every call.
"""

from __future__ import annotations

from strawberry.extensions import ParserCache, ValidationCache

CACHED_DOCUMENTS = 1024


def document_caches() -> list:
    """Schema extensions for `strawberry.federation.Schema(extensions=...)`: factories, so
    each request gets fresh extension objects; Strawberry keeps the LRU caches themselves
    at module level, keyed by size, so they outlive requests."""
    return [
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
    ]
