"""Accessibility checks with axe-core (from npm) against WCAG 2.2 AA, in the page as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
  }));
}"""


def _axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"{AXE_SCRIPT} is missing: run `make install` to fetch the npm packages.",
            pytrace=False,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: rule, impact, what to fix, and the elements at fault."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Fail the test if axe finds WCAG 2.2 A or AA violations on the page as it stands.

    The script goes in through page.evaluate (the DevTools protocol), not a <script> tag,
    which the service's Content-Security-Policy would rightly refuse.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    if violations:
        pytest.fail(
            f"Accessibility violations on {page.url} ({page.title()!r}):\n{describe(violations)}",
            pytrace=False,
        )
