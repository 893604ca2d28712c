"""The production-shaped suite: one deployment (tests/deployed/deployment.py)
for the whole folder, and Chromium on a phone and a desktop, clicking as a
person does. CSRF and every other control are on, as in production.

It needs PostgreSQL (TEST_DATABASE_URL), Redis (TEST_REDIS_URL), HAProxy,
OpenSSL and Chromium; without them it is skipped, except under CI, where it
fails. The whole folder runs in one pytest-xdist worker (its xdist_group), in
file order, with tests/scaleout.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from devtools.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import TEST_DATABASE_URL
from tests.deployed.deployment import deployment

# tests/deployed and tests/scaleout each start a whole production set-up
# (HAProxy, gunicorn, workers): on a 2-core machine they share one xdist
# worker, one after the other, instead of starving each other.
PRODUCTION_SHAPED = "production-shaped"
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}  # fmt: skip


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/deployed/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group(PRODUCTION_SHAPED))
            item.add_marker(pytest.mark.browser)


def _needs(what: str, present: bool) -> None:
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the deployed suite needs {what}: .ci/run provides it")
    pytest.skip(f"the deployed suite needs {what}")


@pytest.fixture(scope="package")
def site(tmp_path_factory, redis_url, reference_dir):
    _needs("TEST_DATABASE_URL (PostgreSQL)", bool(TEST_DATABASE_URL))
    for command in ("haproxy", "openssl"):
        _needs(command, shutil.which(command) is not None)
    _needs("Chromium", os.path.exists(CHROMIUM))
    folder = tmp_path_factory.mktemp("deployed")
    with deployment(folder, TEST_DATABASE_URL, redis_url, reference_dir) as deployed:
        yield deployed


@pytest.fixture(scope="package")
def chromium(site, playwright_driver):
    spki = site.certificate.spki_hash()
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        # Trust this run's certificate, and only it: no error is ignored.
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki}"],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def documents():
    """Every HTML document a page in this suite loaded (for the Nu checker)."""
    return []


def _page(chromium, documents, viewport: str, locale: str = "en-GB"):
    from devtools.html_check import record_documents

    context = chromium.new_context(**VIEWPORTS[viewport], locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    record_documents(page, documents)
    return context, page


@pytest.fixture(params=sorted(VIEWPORTS))
def person(request, chromium, documents):
    """A person's browser, on a phone and on a desktop."""
    context, page = _page(chromium, documents, request.param)
    yield page
    context.close()


@pytest.fixture
def phone(chromium, documents):
    context, page = _page(chromium, documents, "phone")
    yield page
    context.close()


@pytest.fixture
def desktop(chromium, documents):
    context, page = _page(chromium, documents, "desktop")
    yield page
    context.close()


@pytest.fixture
def welsh_phone(chromium, documents):
    context, page = _page(chromium, documents, "phone", locale="cy-GB")
    yield page
    context.close()


@pytest.fixture(scope="package")
def admin(chromium, documents, site):
    """The campaign's admin, signed in once for the whole suite: password,
    then two-factor set-up with an authenticator app (pyotp here)."""
    import pyotp
    from playwright.sync_api import expect

    from tests.deployed.deployment import ADMIN_EMAIL, ADMIN_PASSWORD

    context, page = _page(chromium, documents, "desktop")
    page.goto(f"{site.url}/admin/login")
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    page.get_by_label(re.compile("code", re.I)).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Finish setting up").click()
    expect(
        page.get_by_role("link", name="Sign out").or_(page.get_by_role("button", name="Sign out"))
    ).to_be_visible()
    [(stored,)] = site.query("SELECT totp_secret IS NOT NULL FROM admin_user")
    assert stored
    site.totp_secret = secret
    yield page
    context.close()
