"""The order of a multi-zone reshape's final writes (services/grid/planner/reshape.py).

DOMAIN "Places": zones of one community must not overlap — the database checks each row as it
is written, so a zone may take land only once its holder has left it. Zones that keep nothing
of their old shape cannot shrink first; the finals are ordered instead, and a swap is refused.
"""

from __future__ import annotations

import shapely

from services.grid.planner.reshape import interims, write_order


def _box(x: float) -> shapely.Polygon:
    return shapely.box(x, 0, x + 1, 1)


def _replayed(olds: list, news: list, order: list[int]) -> None:
    """Write the interims, then the finals in `order`, checking no write overlaps a zone."""
    shrunk = interims(olds, news)
    now = [s if s is not None and not s.is_empty else o for o, s in zip(olds, shrunk, strict=True)]
    for i in order:
        now[i] = news[i]
        for j, other in enumerate(now):
            assert j == i or now[i].intersection(other).area == 0, (i, j)


def test_a_chain_of_zones_each_moving_into_the_next_is_written_from_its_far_end() -> None:
    olds = [_box(0), _box(1), _box(2)]
    news = [_box(1), _box(2), _box(3)]  # A takes B's place, B takes C's, C moves on
    order = write_order(olds, news, interims(olds, news))
    assert order is not None and order.index(2) < order.index(1) < order.index(0)
    _replayed(olds, news, order)


def test_the_given_order_does_not_matter() -> None:
    olds = [_box(2), _box(0), _box(1)]
    news = [_box(3), _box(1), _box(2)]
    order = write_order(olds, news, interims(olds, news))
    assert order is not None
    _replayed(olds, news, order)


def test_zones_swapping_places_have_no_order() -> None:
    olds = [_box(0), _box(1)]
    news = [_box(1), _box(0)]
    assert write_order(olds, news, interims(olds, news)) is None


def test_a_shared_edge_moved_keeps_the_plain_order() -> None:
    olds = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    news = [shapely.box(0, 0, 1.3, 1), shapely.box(1.3, 0, 2, 1)]
    order = write_order(olds, news, interims(olds, news))
    assert sorted(order or []) == [0, 1]
    _replayed(olds, news, order or [])
