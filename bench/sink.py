"""An SMTP sink for the benchmarks: accepts everything, keeps only counts per recipient.

    python -m bench.sink --smtp-port P --http-port Q

GET http://127.0.0.1:Q/ -> {"messages": n, "recipients": distinct, "duplicates": d,
                           "message_ids": distinct, "duplicate_ids": d}
(the worker's Message-IDs name the outbox row, so a resent email repeats its id)
POST http://127.0.0.1:Q/reset -> clears the counts.
Run in its own process, so it does not compete with the sender for the GIL.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from devtools.mailcatcher import offer_pipelining

_MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)
counts: Counter[str] = Counter()
ids: Counter[bytes] = Counter()
lock = threading.Lock()


class Sink:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return offer_pipelining(responses)  # as the relays a site sends through do

    async def handle_DATA(self, server, session, envelope):
        letter_id = _MESSAGE_ID.search(envelope.content)
        with lock:
            counts.update(envelope.rcpt_tos)
            if letter_id:
                ids[letter_id.group(1)] += 1
        return "250 OK"


class Stats(BaseHTTPRequestHandler):
    def _answer(self):
        with lock:
            body = {
                "messages": sum(counts.values()),
                "recipients": len(counts),
                "duplicates": sum(n - 1 for n in counts.values() if n > 1),
                "message_ids": len(ids),
                "duplicate_ids": sum(n - 1 for n in ids.values() if n > 1),
            }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        with lock:
            counts.clear()
            ids.clear()
        self._answer()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    args = parser.parse_args()
    controller = Controller(
        Sink(), hostname="127.0.0.1", port=args.smtp_port, data_size_limit=10 * 1024 * 1024
    )
    controller.start()
    print("ready", flush=True)
    ThreadingHTTPServer(("127.0.0.1", args.http_port), Stats).serve_forever()


if __name__ == "__main__":
    main()
