"""PDFs from our own HTML (WeasyPrint): compliance reports and subject access exports.

Nothing a document says may make the service fetch anything: every external resource is
refused, so the HTML must carry its own styles.
"""

from __future__ import annotations

from typing import Any


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Our documents have no external assets; nothing they say may make us fetch anything.
    raise ValueError("a document may not load external resources")


def render_pdf(html: str) -> bytes:
    """A document's PDF (A4), from its HTML, with WeasyPrint and the system's fonts."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)
