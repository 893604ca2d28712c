"""A click on the page (not on a control) must not paint the content yellow:
<main tabindex=-1> takes focus on any click, and only controls show focus."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
FOCUS_YELLOW = "rgb(255, 221, 0)"


def test_clicking_text_leaves_the_content_area_unpainted(site, page):
    page.goto(f"{site.url}/c/mp-expenses")
    page.locator("main p").first.click()
    assert page.evaluate("document.activeElement.id") == "main"  # it did take the focus
    background = page.evaluate("getComputedStyle(document.getElementById('main')).backgroundColor")
    assert background != FOCUS_YELLOW
    page.get_by_label("Your postcode").focus()  # a control still shows its focus
    outline = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none"
