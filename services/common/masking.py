"""Unexpected errors in a subgraph reach clients as one neutral message, never as SQL, driver
messages, addresses or stack traces; the full error goes to the subgraph's log.

Deliberate errors stay readable: errors about the request itself (syntax, validation,
variables: they carry no path), GraphQLErrors a resolver raises, ValueErrors our domain code
raises for bad input (e.g. a malformed region code or bounding box), and DomainErrors. A
DomainError a query raises reads like the refusal of a write: the Chinese message, with
`extensions` {code, messageEn, field, rule}, so resolvers need not convert it themselves.
Refused writes are typed payload errors (data, not errors) and are untouched. A write the
database could not take (read-only, full, gone) is told as DATABASE_READ_ONLY, DISK_FULL or
DATABASE_UNAVAILABLE (`services.common.database_errors`), never as the server's message.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from services.common.database_errors import database_code, graphql_error
from services.common.errors import DomainError

MASKED_MESSAGE = "Internal server error."
MASKED_CODE = "INTERNAL_SERVER_ERROR"
# Exception types resolvers raise on purpose, with messages meant for the caller.
DELIBERATE = (GraphQLError, ValueError, DomainError)


def is_unexpected(error: GraphQLError) -> bool:
    """Whether `error` comes from a resolver failing in a way nobody meant to tell callers."""
    if error.path is None:
        return False  # about the request (parse, validation, variables), not our internals
    original = error.original_error
    return original is not None and not isinstance(original, DELIBERATE)


class MaskUnexpectedErrors(MaskErrors):
    """Strawberry's MaskErrors, masking only unexpected errors and giving them a code.

    Pass the class (a factory) in a schema's `extensions`, never an instance: the extension
    keeps per-request state, so one instance must not serve concurrent requests.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        # The database's failures first: told typed, they are no longer unexpected.
        told = [_database_failure(e) for e in errors]
        return [_as_refusal(e) for e in super()._process_errors(told)]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": MASKED_CODE}
        return masked


def _database_failure(error: GraphQLError) -> GraphQLError:
    code = database_code(error.original_error) if error.path is not None else None
    return error if code is None else graphql_error(code, error)


def _as_refusal(error: GraphQLError) -> GraphQLError:
    refused = error.original_error
    if not isinstance(refused, DomainError):
        return error
    extensions = {
        "code": refused.code.name,
        "messageEn": refused.message_en,
        "field": refused.field,
    }
    if refused.rule is not None:
        extensions["rule"] = refused.rule
    return GraphQLError(
        refused.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=refused,
        extensions={**(error.extensions or {}), **extensions},
    )
