"""Every HTML document this suite's browsers loaded, as the server sent it
through HAProxy, checked by the Nu Html Checker (warnings count too)."""

from __future__ import annotations

import pytest

from devtools.html_check import require_checker, validate


def test_every_page_the_suite_visited_is_valid_html(documents):
    require_checker(skip=pytest.skip)
    if not documents:
        pytest.skip("run with the rest of tests/deployed: it checks the pages they visited")
    pages = {d.url.split("?")[0] for d in documents}
    errors = validate(documents)
    assert not errors, f"{len(pages)} pages checked:\n" + "\n".join(errors)
