"""The report's tables: counts with their margins, suppressed together, and the rates and
sums worked out from them.

Pure rule (architecture rule 1). A table is built from its counts (`Spec`); `publish`
suppresses every table of a report at once (diversion.monitoring.suppression), so that a
total two tables share (the referrals of the partnership, say) is hidden in both when it is
hidden in either; then each derived figure (a rate, or a sum such as "offered") is shown only
when every count it is worked out from is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from diversion.monitoring.suppression import Cell, Grid, Suppression, suppress

__all__ = ["Derived", "Figure", "Line", "Spec", "Table", "grid_of", "publish"]

HIDDEN_DERIVED = "not shown"


@dataclass(frozen=True)
class Figure:
    """One shown figure: its value, or why it is not shown; `text` is what a page says."""

    value: int | float | None
    reason: str | None = None
    percent: bool = False

    @property
    def text(self) -> str:
        if self.value is None:
            return self.reason or HIDDEN_DERIVED
        if self.percent:
            return f"{self.value * 100:.1f}%"
        return f"{self.value:,}"

    @property
    def csv(self) -> str:
        """The figure in a CSV cell: digits without separators, or the words."""
        if self.value is None:
            return self.reason or HIDDEN_DERIVED
        if self.percent:
            return f"{self.value * 100:.1f}%"
        return str(self.value)


@dataclass(frozen=True)
class Derived:
    """A figure worked out from a row's counts: a rate (numerator over denominator, both
    lists of column numbers, the row total being column len(columns)) or, without a
    denominator, a sum."""

    label: str
    numerator: tuple[int, ...]
    denominator: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Spec:
    """A table before suppression.

    `shared` names the cells (row, column, with the margins at row len(rows) and column
    len(columns)) that another table of the report shows too, by a key common to both."""

    key: str
    caption: str
    row_heading: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    column_totals: bool = True
    total_column: str = "Total"
    total_row: str = "Total"
    derived: tuple[Derived, ...] = ()
    shared: dict[Cell, str] = field(default_factory=dict)
    note: str = ""
    # What the table's chart shows: a column number (the row total is len(columns)), or
    # "derived:N" for the Nth derived figure.
    chart: str = "0"
    chart_title: str = ""

    @property
    def grid(self) -> Grid:
        return Grid(self.counts, row_totals=self.row_totals, column_totals=self.column_totals)


@dataclass(frozen=True)
class Line:
    """One row of a published table: its label, counts (with its total when shown) and
    derived figures."""

    label: str
    counts: tuple[Figure, ...]
    derived: tuple[Figure, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    """A published table: every count under 5 hidden, and whatever would give one away."""

    spec: Spec
    lines: tuple[Line, ...]

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def headings(self) -> tuple[str, ...]:
        """The column headings after the row heading: counts, total, derived figures."""
        total = (self.spec.total_column,) if self.spec.row_totals else ()
        return (*self.spec.columns, *total, *(d.label for d in self.spec.derived))

    @property
    def hides_anything(self) -> bool:
        return any(
            figure.value is None for line in self.lines for figure in (*line.counts, *line.derived)
        )

    def chart_figures(self) -> list[tuple[str, Figure]]:
        """(row label, figure) for the chart: the inner rows, not the total."""
        chosen = self.spec.chart
        found = []
        for line in self.lines:
            if line.is_total:
                continue
            if chosen.startswith("derived:"):
                figure = line.derived[int(chosen.split(":", 1)[1])]
            else:
                figure = line.counts[int(chosen)]
            found.append((line.label, figure))
        return found


def grid_of(
    counts: Mapping[tuple[Any, str], int], rows: Sequence[object], columns: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    """Counts keyed by (row, column) as a grid in the order given (0 where none)."""
    return tuple(tuple(counts.get((row, column), 0) for column in columns) for row in rows)


def _derive(derived: Derived, shown: Sequence[int | None]) -> Figure:
    def total(columns: tuple[int, ...]) -> int | None:
        values = [shown[j] for j in columns]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    numerator = total(derived.numerator)
    if derived.denominator is None:
        return Figure(numerator)
    denominator = total(derived.denominator)
    if numerator is None or denominator is None:
        return Figure(None)
    if denominator == 0:
        return Figure(None, "no figures")
    return Figure(numerator / denominator, percent=True)


def _table(spec: Spec, result: Suppression) -> Table:
    rows, columns = result.grid.size
    width = columns + (1 if spec.row_totals else 0)
    last = rows + (1 if spec.column_totals else 0)
    lines = []
    for i in range(last):
        # Every column of the row, the total included (None where it is not published).
        shown = [
            result.shown((i, j)) if (i, j) in result.values else None for j in range(columns + 1)
        ]
        counts = tuple(Figure(result.shown((i, j)), result.reason((i, j))) for j in range(width))
        derived = tuple(_derive(d, shown) for d in spec.derived)
        label = spec.rows[i] if i < rows else spec.total_row
        lines.append(Line(label, counts, derived, is_total=i == rows))
    return Table(spec, tuple(lines))


def publish(specs: Sequence[Spec]) -> list[Table]:
    """Suppress every table of a report together: a shared total hidden in one table is
    hidden in every table that shows it, until no table hides one more."""
    hidden_keys: set[str] = set()
    while True:
        results = [
            suppress(
                spec.grid,
                forced=[cell for cell, key in spec.shared.items() if key in hidden_keys],
            )
            for spec in specs
        ]
        newly = {
            key
            for spec, result in zip(specs, results, strict=True)
            for cell, key in spec.shared.items()
            if cell in result.hidden
        }
        if newly <= hidden_keys:
            return [_table(spec, result) for spec, result in zip(specs, results, strict=True)]
        hidden_keys |= newly
