"""The report's SVG bar charts: named for assistive technology, scaled to their column,
every text escaped, a hidden figure drawn as words without a bar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from diversion.monitoring.charts import WIDTH, Bar, bar_chart, wrap

SVG = "{http://www.w3.org/2000/svg}"


def chart(**overrides: object) -> ET.Element:
    arguments: dict[str, object] = {
        "chart_id": "chart-referrals",
        "title": "Referrals, by order",
        "description": "A bar for each order.",
        "bars": [
            Bar("Court diversion", 23.0, "23"),
            Bar("Required Assessment", None, "fewer than 5"),
            Bar("<script>alert(1)</script>", 5.0, "5"),
        ],
    }
    arguments.update(overrides)
    # Our own markup, made by the test: trusted.
    return ET.fromstring(str(bar_chart(**arguments)))  # type: ignore[arg-type]  # noqa: S314


def test_the_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = chart()

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-referrals-title chart-referrals-desc"
    assert svg.find(f"{SVG}title").text == "Referrals, by order"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}title").get("id") == "chart-referrals-title"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "A bar for each order."  # type: ignore[union-attr]


def test_it_scales_to_its_column_from_a_320_wide_drawing() -> None:
    svg = chart()

    assert svg.get("width") == "100%"
    assert svg.get("viewBox", "").startswith(f"0 0 {WIDTH} ")
    assert WIDTH == 320


def test_bars_are_in_proportion_and_a_hidden_figure_has_words_but_no_bar() -> None:
    svg = chart()
    rects = svg.findall(f"{SVG}rect")
    texts = [t.text for t in svg.findall(f"{SVG}text")]

    assert len(rects) == 2
    longest, shorter = (float(r.get("width", 0)) for r in rects)
    assert abs(shorter / longest - 5 / 23) < 0.005
    assert "fewer than 5" in texts and "23" in texts


def test_every_text_is_escaped() -> None:
    markup = str(
        bar_chart(
            chart_id='x" onload="bad',
            title="<b>",
            description="&",
            bars=[Bar("<script>", 1.0, "<1>")],
        )
    )

    assert "<script>" not in markup and "<b>" not in markup
    # The id keeps letters, digits and hyphens only: no attribute can be slipped in.
    assert " onload=" not in markup
    assert re.search(r'aria-labelledby="x--onload--bad-title', markup)


def test_a_rate_chart_is_scaled_to_100_percent() -> None:
    svg = chart(bars=[Bar("Delivered", 0.5, "50.0%")], maximum=1.0)
    rect = svg.find(f"{SVG}rect")

    assert rect is not None and 100 < float(rect.get("width", 0)) < 110


def test_long_labels_wrap_at_word_boundaries() -> None:
    label = "Black, Black British, Black Welsh, Caribbean or African"

    lines = wrap(label)

    assert " ".join(lines) == label
    assert all(len(line) <= 36 for line in lines)
    assert len(chart(bars=[Bar(label, 3.0, "3")]).findall(f"{SVG}text")) == len(lines) + 1
