"""Suppression cannot be undone: attackers of increasing strength try to work out every
hidden cell from the rest of its table, and fail.

The attackers know what the report shows: every shown cell and total, that "fewer than 5"
is 0 to 4, that a cell "not shown" is at least 5 (it would say "fewer than 5" otherwise),
that counts are whole and not negative, and that every row and column adds up to its total.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diversion.monitoring.suppression import THRESHOLD, Cell, Grid, Suppression, lines, suppress

BIG = 10**9


def known_bounds(result: Suppression) -> dict[Cell, tuple[int, int]]:
    """What the reader knows of each cell: its value when shown, else its range."""
    bounds = {}
    for cell, value in result.values.items():
        if cell in result.primary:
            bounds[cell] = (0, THRESHOLD - 1)
        elif cell in result.secondary:
            bounds[cell] = (THRESHOLD, BIG)
        else:
            bounds[cell] = (value, value)
    return bounds


def signed(result: Suppression, line: tuple[Cell, ...]) -> list[tuple[Cell, int]]:
    """A line as cells with signs adding to zero: the inner ones +1, the total (last) -1."""
    return [(cell, 1) for cell in line[:-1]] + [(line[-1], -1)]


def narrow(result: Suppression, bounds: dict[Cell, tuple[int, int]]) -> bool:
    """One pass of interval reasoning over every line; True when some range narrowed."""
    changed = False
    for line in lines(result.grid):
        terms = signed(result, line)
        for cell, sign in terms:
            if cell not in result.hidden:
                continue
            # sign * x = -(sum of the other terms)
            low = high = 0
            for other, other_sign in terms:
                if other == cell:
                    continue
                lo, hi = bounds[other]
                if other_sign > 0:
                    low, high = low - hi, high - lo
                else:
                    low, high = low + lo, high + hi
            if sign < 0:
                low, high = -high, -low
            current = bounds[cell]
            tighter = (max(current[0], low), min(current[1], high))
            if tighter != current:
                bounds[cell] = tighter
                changed = True
    return changed


def line_by_line(result: Suppression) -> dict[Cell, tuple[int, int]]:
    """What each line alone says of each hidden cell, from the published figures only."""
    found = {}
    for line in lines(result.grid):
        bounds = known_bounds(result)
        narrow_one = Suppression(result.grid, result.values, result.primary, result.secondary)
        # Only this line: a grid of one published sum.
        for cell, sign in signed(narrow_one, line):
            if cell in result.hidden:
                low = high = 0
                for other, other_sign in signed(narrow_one, line):
                    if other == cell:
                        continue
                    lo, hi = bounds[other]
                    if other_sign > 0:
                        low, high = low - hi, high - lo
                    else:
                        low, high = low + lo, high + hi
                if sign < 0:
                    low, high = -high, -low
                lo, hi = bounds[cell]
                found[(line, cell)] = (max(lo, low), min(hi, high))
    return found


def propagated(result: Suppression) -> dict[Cell, tuple[int, int]]:
    """Interval reasoning across every line until nothing narrows."""
    bounds = known_bounds(result)
    for _ in range(200):
        if not narrow(result, bounds):
            break
    return bounds


def rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    found = 0
    width = len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(len(matrix)):
            if r != found and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[found][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def solved_by_elimination(result: Suppression) -> set[Cell]:
    """Hidden cells the line equations alone fix (Gaussian elimination, bounds ignored)."""
    hidden = sorted(result.hidden)
    index = {cell: n for n, cell in enumerate(hidden)}
    equations = []
    for line in lines(result.grid):
        row = [Fraction(0)] * len(hidden)
        for cell, sign in signed(result, line):
            if cell in index:
                row[index[cell]] += sign
        if any(row):
            equations.append(row)
    if not equations:
        return set()
    base = rank(equations)
    solved = set()
    for cell in hidden:
        unit = [Fraction(0)] * len(hidden)
        unit[index[cell]] = Fraction(1)
        if rank([*equations, unit]) == base:
            solved.add(cell)
    return solved


def assert_safe(result: Suppression) -> None:
    for (line, cell), (low, high) in line_by_line(result).items():
        assert low < high, f"{cell} worked out from line {line}: {low}"
    for cell, (low, high) in propagated(result).items():
        if cell in result.hidden:
            assert low < high, f"{cell} worked out from the whole table: {low}"
    assert solved_by_elimination(result) == set()


def assert_primary(result: Suppression) -> None:
    for cell, value in result.values.items():
        assert (cell in result.primary) == (value < THRESHOLD)
        if value < THRESHOLD:
            assert result.shown(cell) is None
            assert result.reason(cell) == "fewer than 5"


small_or_large = st.one_of(st.integers(0, 6), st.integers(0, 6), st.integers(5, 60))


@st.composite
def grids(draw: st.DrawFn) -> Grid:
    rows = draw(st.integers(1, 5))
    columns = draw(st.integers(1, 5))
    counts = tuple(tuple(draw(small_or_large) for _ in range(columns)) for _ in range(rows))
    return Grid(counts, row_totals=draw(st.booleans()), column_totals=draw(st.booleans()))


@settings(max_examples=400, deadline=None)
@given(grids())
def test_no_hidden_cell_can_be_worked_out_from_its_table(grid: Grid) -> None:
    result = suppress(grid)

    assert_primary(result)
    assert_safe(result)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_a_total_hidden_in_another_table_stays_hidden_and_the_rest_stays_safe(
    grid: Grid, data: st.DataObject
) -> None:
    cells = sorted(grid.values())
    forced = data.draw(st.sets(st.sampled_from(cells), max_size=3))

    result = suppress(grid, forced=forced)

    assert forced <= result.hidden
    assert_primary(result)
    assert_safe(result)


@settings(max_examples=300, deadline=None)
@given(grids())
def test_every_hidden_cell_could_really_be_something_else(grid: Grid) -> None:
    """Exhaustive search on tables small enough: another table with the same shown figures
    gives each hidden cell another value. (Values are tried only up to the largest figure
    and a little more: that can only make another table harder to find.)"""
    rows, columns = grid.size
    if rows * columns > 4:
        return
    result = suppress(grid)
    hidden = sorted(result.hidden)
    bounds = known_bounds(result)
    limit = max(result.values.values()) + 5
    domains = [range(lo, min(hi, limit) + 1) for lo, hi in (bounds[c] for c in hidden)]
    seen: dict[Cell, set[int]] = {cell: set() for cell in hidden}
    table_lines = [signed(result, line) for line in lines(grid)]
    # After each hidden cell is given a value, the lines it completes are checked.
    order = {cell: n for n, cell in enumerate(hidden)}
    completes: list[list[list[tuple[Cell, int]]]] = [[] for _ in hidden]
    for line in table_lines:
        last = max((order[cell] for cell, _ in line if cell in order), default=None)
        if last is not None:
            completes[last].append(line)
    budget = [60_000]

    def walk(n: int, values: dict[Cell, int]) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise TimeoutError
        if n == len(hidden):
            for cell in hidden:
                seen[cell].add(values[cell])
            return
        for value in domains[n]:
            values[hidden[n]] = value
            if all(sum(sign * values[c] for c, sign in line) == 0 for line in completes[n]):
                walk(n + 1, values)

    try:
        walk(0, dict(result.values))
    except TimeoutError:
        return

    for cell in hidden:
        assert len(seen[cell]) >= 2, (cell, seen[cell])


def test_a_lone_small_cell_takes_the_next_smallest_of_its_row_and_column_with_it() -> None:
    #   3  10 | 13
    #  20  30 | 50
    #  23  40 | 63
    result = suppress(Grid(((3, 10), (20, 30))))

    assert result.primary == {(0, 0)}
    # Its row's next smallest (10) and column's (20); then (1, 1) so that neither of those is
    # alone in its own line.
    assert result.secondary == {(0, 1), (1, 0), (1, 1)}
    assert [result.shown((i, 2)) for i in range(3)] == [13, 50, 63]
    assert result.reason((0, 1)) == "not shown"


def test_a_table_of_large_counts_is_shown_whole() -> None:
    result = suppress(Grid(((5, 10), (20, 30))))

    assert result.hidden == frozenset()
    assert result.shown((2, 2)) == 65


def test_two_hidden_zeros_whose_sum_is_shown_are_not_left_pinned() -> None:
    # 0 and 0 hidden in a column of three with a shown total of 7: the reader would know
    # both are 0. A third cell is hidden.
    result = suppress(Grid(((0,), (0,), (7,)), row_totals=False))

    assert result.primary == {(0, 0), (1, 0)}
    assert (2, 0) in result.secondary or (3, 0) in result.secondary
    assert_safe(result)


def test_a_small_total_is_hidden_like_any_count() -> None:
    result = suppress(Grid(((1, 2),), column_totals=False))

    assert result.primary == {(0, 0), (0, 1), (0, 2)}


def test_grids_refuse_ragged_rows_and_negative_counts() -> None:
    with pytest.raises(ValueError, match="same number"):
        Grid(((1, 2), (3,)))
    with pytest.raises(ValueError, match="negative"):
        Grid(((1, -2),))
