"""The edge: Debian's HAProxy running deploy/haproxy.cfg, with a self-signed
certificate, in front of a small stand-in for the app hosts (or of no host at
all), spoken to over real sockets. TLS 1.2 and 1.3 only, HTTP/2 offered,
plain http redirected, the site's security headers on HAProxy's own answers,
and text compressed only where BREACH cannot reach a secret."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.web.security import HEADERS, HSTS
from bench.scaleout import Certificate, haproxy_env
from devtools.mailcatcher import free_port
from tests.builders.settings import ROOT

CONFIG = ROOT / "deploy" / "haproxy.cfg"
ERRORS = ROOT / "deploy" / "haproxy-errors"
SECURITY = {**HEADERS, "Strict-Transport-Security": HSTS}
# A page big enough to be worth compressing, as the app's pages are.
PAGE = (
    "<!DOCTYPE html>\n<title>A campaign</title>\n" + "<p>Write to your MP.</p>\n" * 400
).encode()
STYLES = ("body { margin: 0 }\n" * 400).encode()


# -- the files, read without running anything --------------------------------


def test_every_variable_the_file_reads_is_documented_and_set_by_the_two_host_run():
    lines = CONFIG.read_text().splitlines()
    used = {
        name
        for line in lines
        if not line.lstrip().startswith("#")
        for name in re.findall(r"\$\{(\w+)\}", line)
    }
    assert used == {
        "WTYM_LISTEN", "WTYM_LISTEN_HTTP", "WTYM_CERT", "WTYM_APP1", "WTYM_APP2", "WTYM_STATS",
    }  # fmt: skip
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert all(name in header for name in used), used
    scaleout = (ROOT / "bench" / "scaleout.py").read_text()
    assert used <= set(re.findall(r'"(WTYM_\w+)"', scaleout))


def test_the_headers_haproxy_adds_are_the_sites():
    """The values in haproxy.cfg are app/web/security.py's, header for header;
    HSTS only on the https frontend."""
    added: dict[str, dict[str, str]] = {}
    frontend = ""
    for line in CONFIG.read_text().splitlines():
        if line.startswith("frontend "):
            frontend = line.split()[1]
        words = shlex.split(line.strip()) if "http-after-response set-header" in line else []
        if words:
            name, value = words[2], words[3]
            assert words[4:] == ["unless", "{", "res.hdr(" + name.lower() + ")", "-m", "found", "}"]
            added.setdefault(frontend, {})[name] = value
    assert added == {"https": SECURITY, "http": HEADERS}


@pytest.mark.parametrize("page", sorted(p.name for p in ERRORS.glob("*.http")))
def test_each_error_page_is_a_whole_http_answer(page):
    raw = (ERRORS / page).read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    assert re.fullmatch(rf"HTTP/1\.[01] {page.removesuffix('.http')} [A-Z][A-Za-z ]+", status)
    fields = dict(line.split(": ", 1) for line in lines)
    assert fields["Content-Type"] == "text/html; charset=utf-8"
    assert int(fields["Content-Length"]) == len(body)
    # The Content-Security-Policy HAProxy adds forbids inline style and script.
    assert b"<style" not in body
    assert b"<script" not in body
    assert b"style=" not in body
    assert body.decode().startswith("<!DOCTYPE html>")


def test_the_file_names_an_error_page_for_each_status_and_each_exists():
    named = re.findall(r"^\s+errorfile (\d+) (\S+)$", CONFIG.read_text(), re.MULTILINE)
    assert {code for code, _ in named} >= {"403", "404", "502", "503", "504"}
    for code, path in named:
        assert (CONFIG.parent / path).is_file(), path
        assert path.endswith(f"/{code}.http")
    assert {p.name for p in ERRORS.glob("*.http")} == {f"{code}.http" for code, _ in named}


# -- HAProxy running ---------------------------------------------------------


class StandIn(BaseHTTPRequestHandler):
    """The app host: /readyz for the health checks, a page, a stylesheet and
    a page that sets its own Referrer-Policy, as a personal link's does."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        extra = {}
        if self.path == "/readyz":
            body, kind = b'{"status": "ok"}', "application/json"
        elif self.path == "/c/headers":  # what reached the host
            body, kind = json.dumps(self.headers.items()).encode(), "application/json"
        elif self.path == "/static/site.css":
            body, kind = STYLES, "text/css; charset=utf-8"
        elif self.path.startswith("/c/"):
            body, kind = PAGE, "text/html; charset=utf-8"
            if self.path.endswith("/private"):
                extra = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
        else:
            body, kind = b"not here", "text/plain"
        self.send_response(200 if kind != "text/plain" else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Edge:
    def __init__(self, folder, apps: list[str]):
        self.port, self.http_port, self.stats_port = free_port(), free_port(), free_port()
        self.env = haproxy_env(Certificate(folder, ("www.example.test",)), apps, self.port,
                               self.http_port, self.stats_port)  # fmt: skip
        self.log = folder / f"haproxy-{self.port}.log"

    def start(self) -> Edge:
        # From another folder: the error pages are found beside the file.
        checked = subprocess.run(
            ["haproxy", "-c", "-f", str(CONFIG)], env=self.env, capture_output=True, text=True,
            cwd="/",
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "[WARNING]" not in checked.stdout + checked.stderr, checked.stdout + checked.stderr
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["haproxy", "-db", "-f", str(CONFIG)], env=self.env, stdout=log, stderr=log, cwd="/"
            )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                socket.create_connection(("127.0.0.1", self.http_port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("HAProxy did not start:\n" + self.log.read_text()) from None
                time.sleep(0.1)
        return self

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def get(self, path: str, headers: dict | None = None, *, tls: bool = True):
        if tls:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=10, context=insecure()
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": "www.example.test", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()


def insecure(
    version: ssl.TLSVersion | None = None, alpn: list[str] | None = None
) -> ssl.SSLContext:
    """A client that trusts the test's own certificate (any certificate)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    if version is not None:
        context.minimum_version = context.maximum_version = version
    if alpn:
        context.set_alpn_protocols(alpn)
    return context


def handshake(port: int, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        return context.wrap_socket(raw)
    except BaseException:
        raw.close()
        raise


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    if shutil.which("haproxy") is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is not installed: .ci/run installs Debian's package")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    return tmp_path_factory.mktemp("edge")


@pytest.fixture(scope="module")
def edge(folder):
    """HAProxy in front of the stand-in, both hosts up."""
    app = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{app.server_address[1]}"
    running = Edge(folder, [address, address]).start()
    deadline = time.monotonic() + 20
    while running.get("/c/ready")[0] != 200:
        assert time.monotonic() < deadline, running.log.read_text()
        time.sleep(0.2)
    yield running
    running.stop()
    app.shutdown()
    app.server_close()


@pytest.fixture(scope="module")
def edge_without_hosts(folder):
    """HAProxy whose two hosts never answer: nothing listens on their ports."""
    running = Edge(folder, [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]).start()
    yield running
    running.stop()


@pytest.mark.parametrize(
    "version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=lambda version: version.name
)
def test_tls_1_2_and_1_3_are_accepted(edge, version):
    with handshake(edge.port, insecure(version)) as tls:
        assert tls.version() == version.name.replace("v1_", "v1.")
        cipher = tls.cipher()[0]
    if version is ssl.TLSVersion.TLSv1_2:  # forward secret and authenticated encryption
        assert re.fullmatch(r"ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)", cipher)


@pytest.mark.parametrize(
    "version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1], ids=lambda version: version.name
)
def test_tls_before_1_2_is_refused(edge, version):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # as it should be
        context = insecure(version)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # this client's OpenSSL would refuse it too
    with pytest.raises(ssl.SSLError) as refused:
        handshake(edge.port, context).close()
    # HAProxy's answer, not the client giving up before it asked:
    assert refused.value.reason in {"TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"}
    assert "NO_PROTOCOLS_AVAILABLE" not in str(refused.value)


def test_tls_1_2_without_forward_secrecy_is_refused(edge):
    context = insecure(ssl.TLSVersion.TLSv1_2)
    context.set_ciphers("AES128-GCM-SHA256:AES128-SHA")  # RSA key exchange
    with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE"):
        handshake(edge.port, context).close()


def test_http2_is_offered_and_spoken(edge):
    with handshake(edge.port, insecure(alpn=["h2", "http/1.1"])) as tls:
        assert tls.selected_alpn_protocol() == "h2"
        # The client's preface and an empty SETTINGS frame; an HTTP/2 server
        # answers with its own SETTINGS frame (type 4) on stream 0.
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
        frame = b""
        while len(frame) < 9:
            frame += tls.recv(9 - len(frame))
        assert frame[3] == 4
        assert frame[5:9] == bytes(4)
    with handshake(edge.port, insecure(alpn=["http/1.1"])) as tls:
        assert tls.selected_alpn_protocol() == "http/1.1"


def test_plain_http_is_redirected_to_the_same_address_over_https(edge):
    status, headers, _ = edge.get("/c/mp-expenses/write?postcode=SW1A+1AA", tls=False)
    assert status == 301
    assert headers["Location"] == "https://www.example.test/c/mp-expenses/write?postcode=SW1A+1AA"
    for name, value in HEADERS.items():
        assert headers[name] == value
    assert "Strict-Transport-Security" not in headers  # ignored over http


def test_haproxys_own_503_carries_the_sites_headers(edge_without_hosts):
    status, headers, body = edge_without_hosts.get("/c/mp-expenses")
    assert status == 503
    assert b"The site is not answering" in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    for name, value in SECURITY.items():
        assert headers.get_all(name) == [value], name


def test_metrics_are_refused_with_the_sites_headers(edge):
    status, headers, body = edge.get("/metrics")
    assert status == 404
    assert b"There is no page at this address" in body
    for name, value in SECURITY.items():
        assert headers.get_all(name) == [value], name


@pytest.mark.parametrize("path", ["/metrics?format=x", "/%6detrics", "/%6D%65trics"])
def test_metrics_are_refused_however_the_path_is_spelled(edge, path):
    """gunicorn decodes the path before the app routes it."""
    status, _, body = edge.get(path)
    assert status == 404
    assert b"There is no page at this address" in body


def test_the_hosts_get_the_forwarded_headers_from_haproxy_not_the_client(edge):
    """The hosts trust one proxy's X-Forwarded-For, -Proto and -Host."""
    lying = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Host": "evil.example",
    }
    status, _, body = edge.get("/c/headers", lying)
    assert status == 200
    received: dict[str, list[str]] = {}
    for name, value in json.loads(body):
        received.setdefault(name.lower(), []).append(value)
    assert received["x-forwarded-proto"] == ["https"]
    assert received["x-forwarded-host"] == ["www.example.test"]
    # Appended: the last address is the one HAProxy saw, the one the app reads.
    assert ", ".join(received["x-forwarded-for"]).split(", ")[-1] == "127.0.0.1"


def test_an_apps_own_header_is_kept_and_the_missing_ones_added(edge):
    status, headers, _ = edge.get("/c/mp-expenses/private")
    assert status == 200
    assert headers.get_all("Referrer-Policy") == ["no-referrer"]
    for name, value in SECURITY.items():
        if name != "Referrer-Policy":
            assert headers.get_all(name) == [value], name


def test_pages_are_compressed_only_for_requests_without_credentials(edge):
    gzipped = {"Accept-Encoding": "gzip"}
    status, headers, body = edge.get("/c/mp-expenses", gzipped)
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == PAGE
    assert len(body) < len(PAGE) / 10
    # With a session's cookie, or an API key, a page may hold a secret: BREACH.
    for credentials in ({"Cookie": "session=abc"}, {"Authorization": "Bearer abc"}):
        status, headers, body = edge.get("/c/mp-expenses", {**gzipped, **credentials})
        assert "Content-Encoding" not in headers
        assert body == PAGE
    # The static files are the same for everyone: compressed even so.
    status, headers, body = edge.get("/static/site.css", {**gzipped, "Cookie": "session=abc"})
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == STYLES
    # And nothing for a client that did not ask.
    status, headers, body = edge.get("/c/mp-expenses")
    assert "Content-Encoding" not in headers
    assert body == PAGE
