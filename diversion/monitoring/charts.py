"""Bar charts as SVG, drawn on the server: no JavaScript, readable on a 320-pixel phone.

Pure rule (architecture rule 1): labels and figures in, markup out. Each chart is an image
to assistive technology (role="img") named by its own <title> and <desc> (aria-labelledby);
the same figures are always in the data table beside it, which is what a screen reader
reads. The drawing is scaled by its viewBox to the width of its column (width 100%), and
its lettering is sized for that width: each bar's label sits on its own line above the
bar, wrapped when long, and its figure in words at the bar's end. A figure not shown
(suppressed) has no bar, only its words ("fewer than 5").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["Bar", "bar_chart", "wrap"]

WIDTH = 320
LEFT = 4
VALUE_ROOM = 100  # room after the longest bar for its figure ("fewer than 5")
FONT = 15
LINE = 19
BAR = 16
GAP = 12
WRAP_AT = 36  # characters a label line holds at this width
BAR_COLOUR = "#1d70b8"  # GOV.UK blue: 4.5:1 and more against white
TEXT_COLOUR = "#0b0c0c"
# The service's own font stack (diversion/static/src/app.scss), so the chart reads like the page.
FONT_FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, helvetica, arial, sans-serif"
SAFE_ID = re.compile(r"[^a-z0-9-]")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None when not shown) and its figure in words."""

    label: str
    value: float | None
    text: str


def wrap(text: str, width: int = WRAP_AT) -> list[str]:
    """Words in lines of at most `width` characters (a longer word has a line to itself)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    maximum: float | None = None,
) -> Markup:
    """A horizontal bar chart as an <svg> element.

    `chart_id` makes the ids of its title and description (letters, digits and hyphens are
    kept); `maximum` is the value of a full-length bar (the largest value when None, so the
    longest bar fills the width)."""
    safe_id = SAFE_ID.sub("-", chart_id.lower()) or "chart"
    largest = max((bar.value for bar in bars if bar.value is not None), default=0.0)
    scale_to = maximum if maximum is not None else largest
    room = WIDTH - LEFT - VALUE_ROOM
    parts: list[str] = []
    y = 4
    for bar in bars:
        for line in wrap(bar.label):
            y += LINE
            parts.append(
                f'<text x="{LEFT}" y="{y}" font-size="{FONT}" fill="{TEXT_COLOUR}">'
                f"{escape(line)}</text>"
            )
        y += 5
        length = 0.0
        if bar.value is not None and scale_to > 0:
            length = max(0.0, min(1.0, bar.value / scale_to)) * room
        if length > 0:
            parts.append(
                f'<rect x="{LEFT}" y="{y}" width="{length:.1f}" height="{BAR}" '
                f'fill="{BAR_COLOUR}"></rect>'
            )
        parts.append(
            f'<text x="{LEFT + length + 6:.1f}" y="{y + BAR - 3}" font-size="{FONT}" '
            f'font-weight="bold" fill="{TEXT_COLOUR}">{escape(bar.text)}</text>'
        )
        y += BAR + GAP
    height = y + 4
    title_id, desc_id = f"{safe_id}-title", f"{safe_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" focusable="false" '
        f'font-family="{FONT_FAMILY}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>'
        f"{''.join(parts)}</svg>"
    )
    return Markup(svg)  # noqa: S704  (every piece of text above is escaped)
