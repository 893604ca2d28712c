"""Every absolute URL comes from SITE_URL: a spoofed Host header changes none."""

from __future__ import annotations

import re


def absolute_urls(html: str) -> set[str]:
    return set(re.findall(r'(?:href|content)="(https?://[^"]+)"', html))


def test_a_spoofed_host_header_changes_no_url(client):
    honest = client.get("/c/mp-expenses").get_data(as_text=True)
    spoofed = client.get(
        "/c/mp-expenses", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    ).get_data(as_text=True)
    urls = absolute_urls(spoofed)
    assert any(url.startswith("http://localhost/c/mp-expenses") for url in urls)  # SITE_URL
    assert not any("evil.example" in url for url in urls)
    assert absolute_urls(honest) == urls
    assert 'rel="canonical" href="http://localhost/c/mp-expenses"' in spoofed
