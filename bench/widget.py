"""The widget on the fake partner blog: its size, and its time to interactive.

    python -m bench.widget

Serves the app (real data) and the partner blog (devtools/partner_blog.py) on
two local ports and loads the blog in Debian's Chromium 20 times. Time to
interactive is when the widget's postcode form is ready (its
`writetoyourmp:ready` event, measured from navigation start); the baseline is
the same page's load event without the widget, in the same run.
"""

from __future__ import annotations

import gzip
import statistics
import threading

from werkzeug.serving import make_server

from bench.common import bench_config, machine, real_data_database

RUNS = 20
# Reported on the console: waiting on a page expression instead would have
# Playwright evaluate a string in the page, which the blog's strict CSP
# (no 'unsafe-eval') refuses in current Chromium.
READY = "writetoyourmp:ready"
READY_LISTENER = (
    f"document.addEventListener('{READY}', e => console.log('{READY} ' + e.detail.ms));"
)


def serve(app) -> str:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    from app import create_app
    from app.extensions import db
    from app.partners.registry import save_partner
    from app.partners.widget import current_release
    from devtools.browser import launch_chromium
    from devtools.mailcatcher import free_port
    from devtools.partner_blog import create_blog

    site_port = free_port()
    site_url = f"http://127.0.0.1:{site_port}"
    app = create_app(bench_config(real_data_database(), SITE_URL=site_url, RATELIMIT_ENABLED=False))
    server = make_server("127.0.0.1", site_port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    blog_url = serve(create_blog(site_url, partner="bench-blog"))
    with app.app_context():
        save_partner("bench-blog", name="Bench Blog", origins=[blog_url])
        db.session.remove()

    body = current_release().body
    ready, baseline = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for run in range(RUNS + 2):
            context = browser.new_context()  # a cold cache each time, like a new reader
            page = context.new_page()
            # Listen from the very start: the widget may be ready before goto returns.
            page.add_init_script(READY_LISTENER)
            page.goto(f"{blog_url}/?widgets=0", wait_until="load")
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            with page.expect_console_message(
                lambda message: message.text.startswith(READY), timeout=15_000
            ) as ready_message:
                page.goto(f"{blog_url}/?widgets=1")
            ms = float(ready_message.value.text.split()[1])
            context.close()
            if run >= 2:  # the first loads warm up the server
                ready.append(ms)
                baseline.append(load)
        browser.close()

    print(f"machine: {machine()}")
    print(f"widget: {len(body):,} bytes, {len(gzip.compress(body, 9)):,} bytes gzipped")
    print(
        f"baseline (the blog page alone, load event): median {statistics.median(baseline):.0f} ms"
    )
    print(
        f"widget interactive on the blog: median {statistics.median(ready):.0f} ms, "
        f"p90 {sorted(ready)[int(len(ready) * 0.9) - 1]:.0f} ms "
        f"(+{statistics.median(ready) - statistics.median(baseline):.0f} ms over the page alone)"
    )


if __name__ == "__main__":
    main()
