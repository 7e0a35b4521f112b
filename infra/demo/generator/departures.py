"""Non-self-managed members who reported in and have since moved away."""

from __future__ import annotations

import datetime as dt

from infra.demo.generator.draws import AS_OF, pick, random_day
from infra.demo.generator.members import EMPLOYERS, REPORTING_START, make_person
from infra.demo.generator.town import Town, random_phone
from infra.demo.model import LEFT, NON_SELF_MANAGED, Member


def left_members(town: Town) -> list[Member]:
    """1-3 non-self-managed members who reported in and have since moved away (已迁出)."""
    rng, code = town.rng, town.code
    result = []
    for k in range(int(rng.integers(1, 4))):
        person = make_person(rng, rng.uniform(26, 58), None)
        start = max(person.joined_on, REPORTING_START)
        reported = random_day(rng, start, AS_OF - dt.timedelta(days=90))
        employer = pick(rng, EMPLOYERS)
        result.append(
            Member(
                id=town.ids("member", code, "left", k),
                community_code=code,
                management=NON_SELF_MANAGED,
                organization_id=None,
                home_building_id=None,
                employer_unit=employer,
                reported_in_on=reported,
                reporting_unit=employer,
                reporting_status=LEFT,
                phone=random_phone(rng),
                left_on=random_day(rng, reported + dt.timedelta(days=30), AS_OF),
                **vars(person),
            )
        )
    return result
