"""Every staff page at 390 px wide (a phone) and at 1366 px (a laptop), in Chinese and in English,
as an agent, a supervisor and an admin, on the demo data: the document never scrolls sideways, only tables do, each inside
its own scrolling box. A screenshot of each page is saved (see the ``artefacts`` fixture)."""

from __future__ import annotations

import pytest

from portal.auth.access import ACCESS
from portal.demo.seed import load_demo
from portal.extensions import db
from tests.browser.pages import NOW, log_in, staff_pages
from tests.factories import ONE_DATABASE

pytestmark = pytest.mark.browser

#: What the document may measure beyond its viewport: nothing (a rounding pixel at most).
SLACK_PX = 1

LAYOUT = """() => {
  const doc = document.documentElement;
  const wide = [];
  for (const table of document.querySelectorAll('main table')) {
    const box = table.parentElement;
    const scrolls = box && box.classList.contains('table-scroll') && getComputedStyle(box).overflowX === 'auto';
    if (!scrolls) wide.push(table.outerHTML.slice(0, 80));
  }
  const overflowing = [];
  for (const element of document.querySelectorAll('body *')) {
    if (element.closest('.table-scroll')) continue;
    const right = element.getBoundingClientRect().right;
    if (right > doc.clientWidth + 1) overflowing.push(`${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}.${element.className} (${Math.round(right)} px)`);
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, unboxed: wide, overflowing: overflowing.slice(0, 8)};
}"""


def check_layout(page, url: str, width: int, problems: list[str]) -> None:
    layout = page.evaluate(LAYOUT)
    if layout["scrollWidth"] > layout["clientWidth"] + SLACK_PX:
        problems.append(
            f"{url} at {width} px scrolls sideways ({layout['scrollWidth']} > {layout['clientWidth']}): "
            f"{layout['overflowing']}"
        )
    if layout["unboxed"]:
        problems.append(f"{url} at {width} px: tables outside a scrolling box: {layout['unboxed']}")


#: Each width in each language of the desk (Chinese labels and English ones wrap differently), but
#: English at 1366 px, which every other browser test already walks.
SCREENS = [(390, "zh-CN"), (390, "en-GB"), (1366, "zh-CN")]


@ONE_DATABASE
@pytest.mark.parametrize(("width", "locale"), SCREENS)
def test_every_staff_page_fits_the_screen(width, locale, app, strict_context, make_user, artefacts):
    app.config["CLOCK"] = lambda: NOW
    load_demo(NOW)
    db.session.commit()
    pages = staff_pages(app)
    viewport = {"width": width, "height": 844 if width < 500 else 900}
    problems: list[str] = []
    visited = 0

    anonymous = strict_context(viewport=viewport, locale=locale).new_page()
    anonymous.goto("/login")
    check_layout(anonymous, "/login", width, problems)
    anonymous.screenshot(path=artefacts / f"{width}-login.png", full_page=True, caret="initial")

    for role in ("agent", "supervisor", "admin"):
        make_user(f"{role}.narrow", role)  # its first login takes the browser's language
        page = strict_context(viewport=viewport, locale=locale).new_page()
        log_in(page, f"{role}.narrow")
        for endpoint, urls in sorted(pages.items()):
            if role not in ACCESS[endpoint]:
                continue
            for n, url in enumerate(urls):
                page.goto(url)
                check_layout(page, url, width, problems)
                page.screenshot(path=artefacts / f"{width}-{role}-{endpoint}-{n}.png", full_page=True, caret="initial")
                visited += 1
        page.context.close()

    assert not problems, "\n".join(problems)
    # Agents open 14 pages, supervisors those and the advances' two, admins those and four more.
    assert visited >= 14 + 16 + 20, visited
