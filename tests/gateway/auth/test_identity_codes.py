"""`Identity.covers`, `sees` and `narrow` are safe on anything they are given (issue 12,
class 2): a value that is not exactly a 6-, 9- or 12-digit ASCII code is covered and seen by
nobody (not even the service principal, whose node is the whole tree) and narrows to
nothing, so a prefix test can never widen a scope."""

from __future__ import annotations

import pytest

from services.common.auth import ANONYMOUS, Identity, Role, service_identity

HOME = "410104001001"
CALLERS = [
    Identity("d", Role.DISTRICT, HOME[:6]),
    Identity("s", Role.STREET, HOME[:9]),
    Identity("c", Role.SECRETARY, HOME),
    Identity("v", Role.VIEWER, HOME),
    service_identity("probe"),
    ANONYMOUS,
]
MALFORMED = [
    None, "", "4", "41", "4101", "41010400", "4101040010", "4101040010011", f" {HOME}",
    f"{HOME} ", f"{HOME}\n", "410104%", "%", "_", "4101__", "４１０１０４", "41010400100١",
    "410104OR1", 410104, b"410104", ["410104"],
]  # fmt: skip


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.subject or "anonymous")
@pytest.mark.parametrize("code", MALFORMED, ids=repr)
def test_malformed_codes_are_covered_and_seen_by_nobody(caller: Identity, code: object):
    assert caller.covers(code) is False
    assert caller.sees(code) is False
    assert caller.narrow(code) is None
    assert caller.may_read_personal(code) is False


def test_well_formed_codes_keep_their_meaning():
    street = CALLERS[1]
    assert street.covers(HOME) and street.sees(HOME[:6]) and not street.covers(HOME[:6])
    assert street.narrow(HOME[:6]) == HOME[:9] and street.narrow(HOME) == HOME
    assert street.narrow("410104002") is None
    assert service_identity("probe").covers(HOME)
