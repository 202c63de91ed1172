"""PDFs from our own HTML (WeasyPrint): compliance reports and subject access exports.

Nothing a document says may make the service fetch anything: every external resource is
refused, so the HTML must carry its own styles.

Every PDF is tagged (PDF/UA-1): a screen reader at the court or the CPS meets the
document's title and language, its headings and its tables, not one undifferentiated run
of text. The HTML supplies them: `<html lang>`, `<title>`, `h1`/`h2` and tables with
`th` cells.
"""

from __future__ import annotations

from typing import Any, Final

# WeasyPrint's accessible variant: a structure tree (tagged PDF), /Lang from <html lang>,
# the <title> as the document title and shown as the window title, fonts embedded.
PDF_VARIANT: Final = "pdf/ua-1"


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Our documents have no external assets; nothing they say may make us fetch anything.
    raise ValueError("a document may not load external resources")


def render_pdf(html: str) -> bytes:
    """A document's tagged PDF (A4, PDF/UA-1), from its HTML, with the system's fonts."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(pdf_variant=PDF_VARIANT)
    assert pdf is not None
    return bytes(pdf)
