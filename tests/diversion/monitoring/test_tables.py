"""Publishing a report's tables together: a total two tables share is hidden in both when
either must hide it, and a figure worked out from counts is shown only when they all are."""

from __future__ import annotations

from diversion.monitoring.tables import Derived, Spec, publish


def spec(key: str, counts: tuple[tuple[int, ...], ...], **kwargs: object) -> Spec:
    rows = tuple(f"Row {n}" for n in range(len(counts)))
    columns = tuple(f"Column {n}" for n in range(len(counts[0])))
    return Spec(
        key=key,
        caption=key,
        row_heading="Row",
        rows=rows,
        columns=columns,
        counts=counts,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_total_hidden_in_one_table_is_hidden_in_every_table_that_shows_it() -> None:
    # A column of 0 and 5: the 0 is hidden, so the 5 is too; with their total of 5 shown, a
    # reader would know the hidden 5 is at least 5 and so the 0 is 0. The total is hidden.
    # The other table shows the same 5 as its first column's total, which its own cells
    # (2 and 3) would leave shown.
    small = spec("small", ((0,), (5,)), row_totals=False, shared={(2, 0): "referrals"})
    large = spec(
        "large",
        ((2, 20), (3, 30)),
        shared={(2, 0): "referrals"},
    )

    tables = {table.key: table for table in publish([small, large])}

    assert tables["small"].lines[-1].counts[0].text == "not shown"
    assert tables["large"].lines[-1].counts[0].text == "not shown"


def test_without_a_shared_total_each_table_stands_alone() -> None:
    large = spec("large", ((6, 20), (7, 30)))

    (table,) = publish([large])

    assert [[f.text for f in line.counts] for line in table.lines] == [
        ["6", "20", "26"],
        ["7", "30", "37"],
        ["13", "50", "63"],
    ]


def test_derived_figures_need_every_count_they_use() -> None:
    counts = ((10, 3), (20, 30), (25, 35))
    table = publish(
        [
            spec(
                "rates",
                counts,
                derived=(Derived("Sum", (0, 1)), Derived("Rate", (0,), (2,))),
            )
        ]
    )[0]

    # The first row's 3 is hidden: nothing worked out from it is shown.
    assert [f.text for f in table.lines[0].derived] == ["not shown", "not shown"]
    shown = [line for line in table.lines if all(f.value is not None for f in line.counts)]
    assert shown
    for line in shown:
        first, second, total = (f.value for f in line.counts)
        assert line.derived[0].value == first + second  # type: ignore[operator]
        assert line.derived[1].text == f"{first / total * 100:.1f}%"  # type: ignore[operator]


def test_a_rate_of_nothing_says_so() -> None:
    table = publish([spec("empty", ((0, 0), (0, 0)), derived=(Derived("Rate", (0,), (2,)),))])[0]

    assert all(line.derived[0].text == "not shown" for line in table.lines)
