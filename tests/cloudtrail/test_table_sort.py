"""Sorting the gathered chunks piece by piece (``_sorted_columns``, ``_TakePlan``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from evidence_lib import cloudtrail_table
from evidence_lib.cloudtrail_table import _sorted_columns, _TakePlan


def _chunks(lengths: list[int], seed: int) -> list[pa.Array]:
    rng = np.random.default_rng(seed)
    texts = [f"{row}-{'x' * int(rng.integers(0, 40))}" for row in range(sum(lengths))]
    starts = np.cumsum([0, *lengths])
    return [
        pa.array(texts[start:end], pa.large_string())
        for start, end in zip(starts[:-1], starts[1:], strict=True)
    ]


def _near_sorted(rows: int, block: int, seed: int) -> np.ndarray:
    """Return rows in order except for shuffles within blocks (files read by date)."""
    rng = np.random.default_rng(seed)
    order = np.arange(rows)
    for start in range(0, rows, block):
        rng.shuffle(order[start : start + block])
    return order


@pytest.mark.parametrize(
    ("lengths", "kind"),
    [
        ([500] * 8, "random"),
        ([500] * 8, "near"),
        ([1, 0, 999, 0, 17, 400], "random"),
        ([1, 0, 999, 0, 17, 400], "near"),
        ([3], "random"),
    ],
)
def test_same_as_one_take_of_the_joined_chunks(lengths: list[int], kind: str) -> None:
    rows = sum(lengths)
    order = (
        np.random.default_rng(1).permutation(rows)
        if kind == "random"
        else _near_sorted(rows, 50, 2)
    )
    texts = _chunks(lengths, 3)
    flags = [pa.array(np.arange(start, start + n) % 3 == 0) for start, n in _starts(lengths)]
    expected_texts = pa.concat_arrays(texts).take(pa.array(order))
    expected_flags = pa.concat_arrays(flags).take(pa.array(order))
    # Arrow's sort indices are unsigned; the order is given as they come.
    given = {"text": list(texts), "flag": list(flags)}
    columns = _sorted_columns(given, order.astype(np.uint64))
    assert given == {}
    assert columns["text"].combine_chunks().equals(expected_texts)
    assert columns["flag"].combine_chunks().equals(expected_flags)
    assert columns["text"].type == pa.large_string()


def _starts(lengths: list[int]) -> list[tuple[int, int]]:
    starts = np.cumsum([0, *lengths])[:-1]
    return [(int(start), n) for start, n in zip(starts, lengths, strict=True)]


def test_near_sorted_order_frees_chunks_as_it_goes() -> None:
    lengths = [1_000] * 20
    pieces = np.array_split(_near_sorted(20_000, 100, 4), 10)
    plan = _TakePlan(tuple(lengths), pieces)
    # Each piece draws on the two chunks under it; a chunk is done once its rows are out.
    assert all(len(used) == 2 for used, _ in plan.pieces)
    done = [list(chunks) for chunks in plan.last_used_by]
    assert done == [[2 * piece, 2 * piece + 1] for piece in range(10)]
    assert list(plan.unused) == []


def test_random_order_keeps_every_chunk_to_the_end() -> None:
    lengths = (1_000,) * 5
    pieces = np.array_split(np.random.default_rng(5).permutation(5_000), 4)
    plan = _TakePlan(lengths, pieces)
    assert [list(chunks) for chunks in plan.last_used_by] == [[], [], [], [0, 1, 2, 3, 4]]


def test_empty_chunks_are_never_drawn_on() -> None:
    plan = _TakePlan((0, 10, 0, 10), [np.arange(20)])
    assert list(plan.unused) == [0, 2]
    assert list(plan.pieces[0][0]) == [1, 3]


def test_columns_with_other_chunking_get_their_own_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloudtrail_table, "SORT_PIECES", 3)
    order = np.random.default_rng(6).permutation(30)
    one = _chunks([10, 10, 10], 7)
    other = [pa.concat_arrays(_chunks([10, 10, 10], 8))]
    columns = _sorted_columns({"one": list(one), "other": list(other)}, order)
    assert columns["one"].combine_chunks().equals(pa.concat_arrays(one).take(pa.array(order)))
    assert columns["other"].combine_chunks().equals(other[0].take(pa.array(order)))


def test_a_sorted_column_needs_little_more_than_its_own_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lengths = [2_000] * 20
    # The chunks are held by the given lists alone, as the table hands them over.
    arrays = {"text": [pa.array(["x" * 500] * n, pa.large_string()) for n in lengths]}
    size = sum(chunk.nbytes for chunk in arrays["text"])
    before = pa.total_allocated_bytes() - size
    peaks = []
    take = _TakePlan.take

    def measured(self: _TakePlan, *args: object) -> list[pa.Array]:
        taken = take(self, *args)  # type: ignore[arg-type]
        peaks.append(pa.total_allocated_bytes() - before)
        return taken

    monkeypatch.setattr(_TakePlan, "take", measured)
    columns = _sorted_columns(arrays, _near_sorted(sum(lengths), 200, 9))
    assert len(columns["text"]) == sum(lengths)
    # Unsorted and sorted copies side by side would be twice the size.
    assert max(peaks) < 1.35 * size
