"""The HTML report as a reader sees it: the demo's report.html (Dutch, built once by the `demo_ws` session
fixture) and the same workspace's English report, opened from disk in headless Chromium (Debian's
package, driven by Playwright) at 1280 and 420 px wide. Nothing is fetched, nothing is wider than the
window (a wide table scrolls inside its own box, which takes the keyboard focus), axe-core finds no
WCAG 2.1 A/AA violation, and Tab reaches the skip link and the contents with a visible focus ring.

The browser and axe-core come from `fixtures.chromium`: it needs /usr/bin/chromium and
tests/.node/node_modules/axe-core (both installed by scripts/setup.sh). Without them the tests are skipped
with the reason, except in CI (CI=true), where they fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.chromium import (  # noqa: F401 (fixtures)
    AXE_RUN,
    WCAG_TAGS,
    axe_source_fixture,
    chromium_fixture,
)

from wijkloket.indicators.registry import load_registry
from wijkloket.usecases import open_workspace
from wijkloket.usecases.report import write_report

WIDTHS = (1280, 420)

# Every element's box against the window; inside a table's scrolling box only the box itself counts.
OVERFLOWING = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.closest('.scroll');
    if (box && box !== el) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -0.5 || r.right > width + 0.5) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return out;
}"""
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el), r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), href: el.getAttribute('href'), cls: el.className, nav: !!el.closest('nav'),
          outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
          visible: r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0};
}"""


@pytest.fixture(scope="module")
def reports(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's own report.html (Dutch) and the English report of the same workspace."""
    with open_workspace(demo_ws) as ws:
        english = write_report(ws, load_registry(), tmp_path_factory.mktemp("report_en"), "en")
    return {"nl": demo_ws / "out" / "report.html", "en": english}


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Any]:
    """`open_page(path, width)`: report.html in a fresh page. Any request for something other than the file
    itself or a data: URI is refused and recorded, and the test fails if there was one."""
    pages: list[Any] = []
    refused: list[str] = []

    def open_(path: Path, width: int) -> Any:
        def route(r: Any) -> None:
            if r.request.url == path.as_uri() or r.request.url.startswith("data:"):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page = chromium.new_page(viewport={"width": width, "height": 900})
        pages.append(page)
        page.route("**/*", route)
        page.goto(path.as_uri())
        return page

    yield open_
    for page in pages:
        page.close()
    assert refused == [], f"the report asked for {refused}"


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_fits_the_window_and_passes_axe(reports: dict[str, Path], open_page: Any, axe_source: str, lang: str,
                                        width: int) -> None:
    page = open_page(reports[lang], width)
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING, width) == []
    page.add_script_tag(content=axe_source)
    assert page.evaluate(AXE_RUN, WCAG_TAGS) == []


def test_wide_tables_scroll_in_their_own_box(reports: dict[str, Path], open_page: Any) -> None:
    page = open_page(reports["nl"], 420)
    boxes = page.eval_on_selector_all(".scroll", """els => els.map(el => ({
        role: el.getAttribute('role'), tabindex: el.getAttribute('tabindex'), label: el.getAttribute('aria-label'),
        scrolls: el.scrollWidth > el.clientWidth}))""")
    assert boxes, "the report has no tables"
    for box in boxes:
        assert box["role"] == "region" and box["tabindex"] == "0" and box["label"], box
    # At 420 px at least one table is wider than its box; the arrow keys scroll it once it has the focus.
    wide = [i for i, box in enumerate(boxes) if box["scrolls"]]
    assert wide
    box = page.locator(".scroll").nth(wide[0])
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())


def test_keyboard_reaches_skip_link_and_contents(reports: dict[str, Path], open_page: Any) -> None:
    page = open_page(reports["nl"], 1280)
    toc = page.eval_on_selector_all("nav a", "els => els.map(a => a.getAttribute('href'))")
    assert len(toc) >= 5
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["cls"] == "skip" and first["href"] == "#inhoud" and first["visible"], first
    assert first["outline"] != "none" and first["outlineWidth"] >= 2, first
    reached = []
    for _ in range(len(toc) + 20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, f"no visible focus on {focused}"
        if focused["nav"]:
            reached.append(focused["href"])
        if reached == toc:
            break
    assert reached == toc
    # The skip link moves the focus to the main content.
    page.focus("a.skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
