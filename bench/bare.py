"""The baseline app of bench/http.py and bench/submit.py: bare Flask JSON endpoints.

Served by gunicorn with the same settings as the real app, so the ratio
measures what the product adds: rate limits, security headers, the lookup,
validation, the database.
"""

from flask import Flask, request

app = Flask(__name__)


@app.get("/bare")
def lookup():
    return {"postcode": request.args.get("postcode", "")}


@app.post("/bare")
def accept():
    payload = request.get_json(silent=True)
    return {"status": "pending_confirmation", "fields": len(payload or {})}, 202
