"""What a browser sends with a form, for tests that post as one would."""

# A form posted from one of the site's own pages whose Referrer-Policy is
# no-referrer, as Chromium sends it (tests/deployed/ presses real ones): no
# Referer, an opaque Origin, and Fetch Metadata naming the same origin.
OWN_FORM = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}
