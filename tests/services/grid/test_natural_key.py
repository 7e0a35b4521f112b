"""`natural_key` (the stored `name_key` of zones and buildings) answers the common name, one
run of at most 12 ASCII digits (1号楼, 第3栋), without grid_0003's loop (grid_0006): its keys
must stay exactly those of the loop, kept as `natural_key_full`, and of the tests' own reading.
"""

from __future__ import annotations

import random

from placeholder_communities import sql

from expectations import reading_key
from infra.setup import Prepared

ASCII = "0123456789" * 3 + "000" + "号楼单元栋ab -_\n"
NUMERALS = "〇零一二两三四五六七八九十百千万"


def _names() -> list[str]:
    chance = random.Random(13)
    names = ["", "0", "007号楼", "a000000000000b", "1" * 12, "1" * 13, "0001234567890123栋"]
    names += ["".join(chance.choices(ASCII, k=chance.randint(0, 30))) for _ in range(3000)]
    names += [
        f"{prefix}{'0' * zeros}{chance.randrange(10 ** chance.randint(1, 14))}{suffix}"
        for prefix in ("", "第", "a")
        for suffix in ("", "号楼", "栋")
        for zeros in range(3)
        for _ in range(60)
    ]
    mixed = ASCII + NUMERALS
    names += ["".join(chance.choices(mixed, k=chance.randint(0, 20))) for _ in range(2000)]
    return names


def test_the_short_path_gives_the_loops_keys(prepared: Prepared) -> None:
    names = _names()
    keys = sql(
        prepared.database.service_urls["grid"],
        "SELECT n, grid.natural_key(n), grid.natural_key_full(n) "
        "FROM unnest(CAST(:names AS text[])) AS n",
        names=names,
    )
    assert [(name, key) for name, key, _ in keys] == [(name, full) for name, _, full in keys]
    one_run = [name for name, _, _ in keys if not any(c in NUMERALS for c in name)]
    assert {name: key for name, key, _ in keys if name in one_run} == {
        name: reading_key(name) for name in one_run
    }
    assert len(one_run) > 3000
