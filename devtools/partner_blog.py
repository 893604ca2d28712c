"""A fake partner blog on another origin, embedding the widget as a partner would.

`python -m devtools.partner_blog --port 8001 --site http://127.0.0.1:5000`
(bin/dev starts it). Its CSS is deliberately aggressive, and its
Content-Security-Policy strict (no inline script or style), to show the
widget neither breaks nor is broken by its host. The browser tests serve the
same page.
"""

from __future__ import annotations

import argparse

from flask import Flask, request

from app.partners.widget import Release, current_release

HOSTILE_CSS = """
* { font-family: Georgia, "Times New Roman", serif !important; color: #5a1e00 !important;
    letter-spacing: .04em; box-sizing: content-box; }
body { margin: 0; background: #fdf6e3; font-size: 21px; line-height: 2; }
header { background: #5a1e00; padding: 1em; } header h1 { color: #fdf6e3 !important; margin: 0; }
main { display: flex; flex-wrap: wrap; gap: 2em; padding: 1em; }
article { flex: 2 1 30em; } aside { flex: 1 1 16em; }
button, input, textarea { background: hotpink !important; border: 5px dashed red !important;
    font-size: 30px !important; padding: 20px !important; }
p { text-transform: uppercase; }
div { outline: 1px dotted #5a1e00; }
"""


def create_blog(
    site_url: str, partner: str = "demo-gazette", campaign: str = "mp-expenses", *,
    side_language: str = "cy", release: Release | None = None,
) -> Flask:  # fmt: skip
    """The blog. `release` is the widget build its page loads (the site's
    current one by default); `side_language`, its sidebar widget's language."""
    blog = Flask("partner_blog")

    @blog.get("/style.css")
    def style():
        return HOSTILE_CSS, 200, {"Content-Type": "text/css"}

    @blog.get("/")
    def article():
        script_release = release or current_release()
        count = int(request.args.get("widgets", "2"))
        slug = request.args.get("partner", partner)
        script = (
            f'<script async src="{site_url}/widget/v1.{script_release.version}.js" '
            f'integrity="{script_release.integrity}" crossorigin="anonymous"></script>'
        )
        main_widget = (
            f'<div id="widget-main" data-campaign="{campaign}" data-partner="{slug}"></div>'
        )
        side_widget = (
            f'<div id="widget-side" data-campaign="{campaign}" data-partner="{slug}" '
            f'data-layout="compact" data-lang="{side_language}" data-accent="#ffbf47"></div>'
        )
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The Demo Gazette: MPs' expenses, again</title>
<link rel="stylesheet" href="/style.css"></head>
<body><header><h1>The Demo Gazette</h1></header>
<main><article>
<h2>Why your MP should publish their expenses</h2>
<p>Fifteen years after the 2009 scandal, the argument for openness has not gone away.</p>
<p>The form below finds your MP from your postcode and helps you write to them in your own words.</p>
{main_widget if count > 0 else ""}
<p id="after">Comments are closed. <button id="host-button" type="button">A host button</button></p>
</article>
<aside><h3>Cymraeg</h3>{side_widget if count > 1 else ""}</aside></main>
{script if count > 0 else ""}
</body></html>"""
        csp = (
            "default-src 'self'; "
            f"script-src 'self' {site_url}; connect-src 'self' {site_url}; "
            "style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        )
        return page, 200, {"Content-Security-Policy": csp}

    return blog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--site", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    print(f"partner blog: http://127.0.0.1:{args.port}", flush=True)
    create_blog(args.site).run(host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
