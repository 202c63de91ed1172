"""Small-number suppression: no published table lets a reader find a count under 5.

Pure rule (architecture rule 1). domain.md, "Monitoring": no report shows a figure small
enough to identify a person.

- **Primary:** every count under 5 (zero included) is shown as "fewer than 5".
- **Secondary:** no suppressed cell may be worked out from what is shown. A reader knows
  every shown cell and total, that each line (row or column, totals included) adds up, that
  counts are whole and not negative, that a "fewer than 5" cell is 0 to 4 and that any other
  hidden cell ("not shown") is at least 5. A hidden cell can be worked out exactly when every
  table those facts allow gives it the same value. So cells are hidden, the smallest first,
  until every hidden cell could take at least two values.

How "could take two values" is decided. Write each total with a minus sign (a grand total
with a plus) and every line of the table adds to zero. Changing hidden cells so that every
line still adds up is then a circulation on the graph whose nodes are the lines and whose
edges are the hidden cells (each joins its row to its column); an edge can go up while its
cell is below its upper bound and down while above its lower bound. Tables with margins are
network matrices (totally unimodular), so a cell can move by one, keeping every bound, exactly
when it lies on a cycle of such moves (`_can_move`): Gaussian elimination, interval
reasoning and trial and error alike find nothing more. A line that is not published (no row
totals, say) is not a constraint: its end of every edge is one free node.

"If a row or column has exactly one suppressed cell, suppress the next smallest too" is the
simplest case (a lone hidden cell in a line lies on no cycle); the cycle test also catches a
hidden cell pinned by its bounds (two hidden zeros summing to 0, two fours summing to 8) or
by several lines at once.

Tables that share a total (the referrals of one table are the total of another) are
suppressed with `forced`: a total hidden in one is hidden in every table that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "THRESHOLD",
    "Cell",
    "Grid",
    "Suppression",
    "lines",
    "suppress",
]

THRESHOLD = 5
UNBOUNDED = 10**12
# Cells are (row, column) in the table with its margins: row R holds the column totals,
# column C the row totals, (R, C) the grand total, where R and C count the inner rows and
# columns.
Cell = tuple[int, int]
FREE = -1


@dataclass(frozen=True)
class Grid:
    """A table of counts (rows of equal length) and which margins are published.

    With `row_totals` each row's total is shown, with `column_totals` each column's, and
    with both the grand total too."""

    counts: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    column_totals: bool = True

    def __post_init__(self) -> None:
        widths = {len(row) for row in self.counts}
        if len(widths) > 1:
            raise ValueError("every row of a grid has the same number of cells")
        if any(value < 0 for row in self.counts for value in row):
            raise ValueError("counts are never negative")

    @property
    def size(self) -> tuple[int, int]:
        return len(self.counts), len(self.counts[0]) if self.counts else 0

    def values(self) -> dict[Cell, int]:
        """Every published cell (inner and margins) with its value."""
        rows, columns = self.size
        found: dict[Cell, int] = {}
        for i, row in enumerate(self.counts):
            for j, value in enumerate(row):
                found[(i, j)] = value
            if self.row_totals:
                found[(i, columns)] = sum(row)
        if self.column_totals:
            for j in range(columns):
                found[(rows, j)] = sum(row[j] for row in self.counts)
            if self.row_totals:
                found[(rows, columns)] = sum(sum(row) for row in self.counts)
        return found

    def is_total(self, cell: Cell) -> bool:
        rows, columns = self.size
        return cell[0] == rows or cell[1] == columns


def lines(grid: Grid) -> list[tuple[Cell, ...]]:
    """The published sums: each a line of cells whose last is the total of the others."""
    rows, columns = grid.size
    found: list[tuple[Cell, ...]] = []
    if grid.row_totals:
        last = rows + 1 if grid.column_totals else rows
        found += [tuple((i, j) for j in range(columns + 1)) for i in range(last)]
    if grid.column_totals:
        last = columns + 1 if grid.row_totals else columns
        found += [tuple((i, j) for i in range(rows + 1)) for j in range(last)]
    return found


@dataclass(frozen=True)
class Suppression:
    """What to show of a grid: every value, and which are hidden and why."""

    grid: Grid
    values: dict[Cell, int]
    primary: frozenset[Cell]
    secondary: frozenset[Cell]

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.secondary

    def shown(self, cell: Cell) -> int | None:
        """The value to publish, or None when the cell is hidden."""
        return None if cell in self.hidden else self.values[cell]

    def reason(self, cell: Cell) -> str | None:
        """ "fewer than 5", "not shown" (hidden so others cannot be worked out), or None."""
        if cell in self.primary:
            return f"fewer than {THRESHOLD}"
        if cell in self.secondary:
            return "not shown"
        return None


class _Table:
    """The graph of a grid's hidden cells, for the cycle test."""

    def __init__(self, grid: Grid, values: dict[Cell, int]) -> None:
        self.grid = grid
        self.values = values
        self.rows, self.columns = grid.size

    def _row_is_line(self, i: int) -> bool:
        return self.grid.row_totals and (i < self.rows or self.grid.column_totals)

    def _column_is_line(self, j: int) -> bool:
        return self.grid.column_totals and (j < self.columns or self.grid.row_totals)

    def ends(self, cell: Cell) -> tuple[tuple[str, int], tuple[str, int]]:
        i, j = cell
        return (
            ("r", i if self._row_is_line(i) else FREE),
            ("c", j if self._column_is_line(j) else FREE),
        )

    def sign(self, cell: Cell) -> int:
        """+1 for an inner cell or the grand total, -1 for a row or column total."""
        return -1 if (cell[0] == self.rows) != (cell[1] == self.columns) else 1

    def bounds(self, cell: Cell, primary: frozenset[Cell]) -> tuple[int, int]:
        """What a reader knows of a hidden cell."""
        return (0, THRESHOLD - 1) if cell in primary else (THRESHOLD, UNBOUNDED)

    def steps(self, cell: Cell, primary: frozenset[Cell]) -> tuple[bool, bool]:
        """Whether the cell's signed value may go up, and down, by one within its bounds."""
        low, high = self.bounds(cell, primary)
        value = self.values[cell]
        up, down = value < high, value > low
        return (up, down) if self.sign(cell) > 0 else (down, up)

    def can_move(self, cell: Cell, hidden: frozenset[Cell], primary: frozenset[Cell]) -> bool:
        """Whether the hidden cell could differ (by one) with every line still adding up."""
        up, down = self.steps(cell, primary)
        row, column = self.ends(cell)
        if row[1] == FREE and column[1] == FREE:
            return up or down  # in no published line: only its bounds hold it
        edges: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for other in hidden:
            if other == cell:
                continue
            other_up, other_down = self.steps(other, primary)
            start, end = self.ends(other)
            if other_up:
                edges.setdefault(start, []).append(end)
            if other_down:
                edges.setdefault(end, []).append(start)
        # Up: the cell's edge row -> column closes a cycle back from column to row.
        return (up and _reaches(edges, column, row)) or (down and _reaches(edges, row, column))


def _reaches(
    edges: dict[tuple[str, int], list[tuple[str, int]]],
    start: tuple[str, int],
    goal: tuple[str, int],
) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for following in edges.get(node, ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return False


def _shares_a_line(cell: Cell, other: Cell, table_lines: Sequence[tuple[Cell, ...]]) -> bool:
    return any(cell in line and other in line for line in table_lines)


def suppress(grid: Grid, *, forced: Iterable[Cell] = ()) -> Suppression:
    """Hide every count under 5, then the fewest further cells (smallest first, inner cells
    before totals) until no hidden cell can be worked out; `forced` cells are hidden too."""
    values = grid.values()
    primary = frozenset(cell for cell, value in values.items() if value < THRESHOLD)
    extra = {cell for cell in forced if cell in values and cell not in primary}
    table = _Table(grid, values)
    table_lines = lines(grid)

    def order(cell: Cell) -> tuple[bool, int, Cell]:
        return grid.is_total(cell), values[cell], cell

    while True:
        hidden = primary | frozenset(extra)
        pinned = next(
            (cell for cell in sorted(hidden) if not table.can_move(cell, hidden, primary)), None
        )
        if pinned is None:
            break
        candidates = sorted((cell for cell in values if cell not in hidden), key=order)
        if not candidates:
            break  # everything is hidden: nothing more can be done
        chosen = next(
            (cell for cell in candidates if table.can_move(pinned, hidden | {cell}, primary)),
            None,
        )
        if chosen is None:
            # No one cell frees it: hide the smallest cell of one of its lines and go on.
            chosen = next(
                (cell for cell in candidates if _shares_a_line(pinned, cell, table_lines)),
                candidates[0],
            )
        extra.add(chosen)
    return Suppression(grid, values, primary, frozenset(extra))
