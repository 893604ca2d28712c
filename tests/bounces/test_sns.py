"""The SNS door's checks (app/bounces/sns.py): where a signing certificate may
come from, what is refused before anything is fetched, a certificate that
cannot be had, the certificate cache's bound, and the download itself.

No test reaches the network: the download is replaced by a fake that serves
certificates from memory, and the real download is tried on a local HTTP
server (the host check, which that address would fail, is tested apart)."""

from __future__ import annotations

import http.server
import logging
import threading
import time
import urllib.error

import pytest
from sqlalchemy import func, select

from app.alerts.models import SubscriberStatus
from app.bounces import sns
from app.bounces.models import Bounce
from app.extensions import db
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.outbox.return_path import return_path
from tests.bounces.builders import BOUNCE_DOMAIN
from tests.bounces.signers import SNS_CERT_URL, SNS_TOPIC, SnsSigner
from tests.builders.alerts import subscriber
from tests.builders.outbox import fresh

NOTHING = {"notificationType": "Delivery"}  # genuine, and reports nothing


@pytest.fixture
def site(make_app):
    app = make_app(BOUNCE_DOMAIN=BOUNCE_DOMAIN, SNS_TOPIC_ARNS=[SNS_TOPIC])
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def signer():
    return SnsSigner()


class FakeDownload:
    """sns.download replaced: what each URL serves (bytes, or an exception to
    raise), and every URL asked for."""

    def __init__(self):
        self.serves: dict[str, bytes | Exception] = {}
        self.asked: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.asked.append(url)
        served = self.serves.get(url, urllib.error.URLError(ConnectionRefusedError()))
        if isinstance(served, Exception):
            raise served
        return served


@pytest.fixture
def fetched(monkeypatch, signer):
    fake = FakeDownload()
    fake.serves[SNS_CERT_URL] = signer.pem
    monkeypatch.setattr(sns, "download", fake)
    return fake


def post(site, message: dict):
    return site.test_client().post("/bounces/sns", json=message)


@pytest.mark.parametrize(
    "url",
    [
        SNS_CERT_URL,
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
        "https://sns.ap-southeast-4.amazonaws.com/SimpleNotificationService-a.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-a.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-a.pem",
    ],
)
def test_certificates_are_taken_from_sns_own_host_in_a_region(url):
    assert sns.is_certificate_url(url)


@pytest.mark.parametrize(
    "url",
    [
        # S3 buckets named "sns", anyone's to create, in each shape of S3 host name
        "https://sns.s3.amazonaws.com/cert.pem",
        "https://sns.s3-us-west-2.amazonaws.com/cert.pem",
        "https://sns.s3-external-1.amazonaws.com/cert.pem",
        "https://sns.s3-website-us-east-1.amazonaws.com/cert.pem",
        "https://sns.s3-accelerate.amazonaws.com/cert.pem",
        "https://sns.s3.eu-west-2.amazonaws.com/cert.pem",
        "https://sns.compute-1.amazonaws.com/cert.pem",
        # other hosts, schemes and tricks
        "http://sns.eu-west-2.amazonaws.com/SimpleNotificationService-a.pem",
        "https://sns.eu-west-2.amazonaws.com.evil.example/SimpleNotificationService-a.pem",
        "https://evil.example/sns.eu-west-2.amazonaws.com/a.pem",
        "https://sns.eu-west-2.amazonaws.com@evil.example/a.pem",
        "https://user@sns.eu-west-2.amazonaws.com/a.pem",
        "https://sns.eu-west-2.amazonaws.com:8443/a.pem",
        "https://sns.eu-west-2.amazonaws.com:443/a.pem",
        "https://SNS.EU-WEST-2.AMAZONAWS.COM/a.pem",
        "https://sns.eu-west-2.amazonaws.com./a.pem",
        "https://sns.eu-west-2.amazonaws.cn/a.pem",  # China's domain is amazonaws.com.cn
        "https://sns.eu-west-2.amazonaws.com.cn/a.pem",  # and only for China's regions
        "https://sns.eu-west-2.amazonaws.com/a.txt",
        "https://sns.eu-west-2.amazonaws.com/",
        "https://sns.eu-west-2.amazonaws.com/a.pem?x=1",
        "https://sns.eu-west-2.amazonaws.com/a.pem#x",
        "https://sns.eu-west-2.amazonaws.com/../a.pem",
        "https://sns.eu-west-2.amazonaws.com/a%2F.pem",
        "https://sns.eu-west-2.amazonaws.com/a\n.pem",
        "https://sns.eu-west-2.amazonaws.com\\@evil.example/a.pem",
        " https://sns.eu-west-2.amazonaws.com/a.pem",
        "",
    ],
)
def test_certificates_from_anywhere_else_are_refused(url):
    assert not sns.is_certificate_url(url)


def test_a_certificate_named_elsewhere_is_refused_without_fetching_it(site, fetched, signer):
    """An S3 bucket named "sns" serving a certificate of its owner's: that
    owner's signature is never believed, and nothing is fetched."""
    url = "https://sns.s3.amazonaws.com/SimpleNotificationService-test.pem"
    fetched.serves[url] = signer.pem
    response = post(site, signer.message(NOTHING, cert_url=url))
    assert response.status_code == 403
    assert response.json["error"]["message"] == "Not accepted: certificate not from SNS."
    assert fetched.asked == []


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"Signature": None}, "not signed"),
        ({"SigningCertURL": None}, "not signed"),
        ({"SignatureVersion": None}, "not signed"),
        ({"Signature": ""}, "not signed"),
        ({"SignatureVersion": 2}, "not signed"),  # a number, not SNS's string
        ({"SigningCertURL": ["https://sns.eu-west-2.amazonaws.com/a.pem"]}, "not signed"),
        ({"SignatureVersion": "3"}, "unknown signature version"),
        ({"Signature": "not base64!"}, "signature not in base64"),
        ({"Type": "Other"}, "not an SNS message"),
        ({"Type": ["Notification"]}, "not an SNS message"),
    ],
)
def test_a_message_without_its_signature_is_refused_before_anything_is_fetched(
    site, fetched, signer, changes, why
):
    response = post(site, signer.message(NOTHING, **changes))
    assert response.status_code == 400
    assert response.json["error"]["message"] == f"Not accepted: {why}."
    assert fetched.asked == []


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b"null", b'"Notification"', b"{}", b"\xff\xfe"]
)
def test_what_is_not_an_sns_message_at_all_is_malformed(site, fetched, body):
    response = site.test_client().post("/bounces/sns", data=body)
    assert response.status_code == 400
    assert fetched.asked == []


@pytest.mark.parametrize(
    "problem",
    [
        urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
        TimeoutError("timed out"),
        urllib.error.URLError(TimeoutError("timed out")),
        urllib.error.HTTPError(SNS_CERT_URL, 404, "Not Found", {}, None),
        urllib.error.HTTPError(SNS_CERT_URL, 302, "Found", {}, None),  # a redirect, not followed
        ValueError("certificate too large"),
        b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n",
        b"",
        b"<html>an error page</html>",
    ],
    ids=[
        "refused",
        "timeout",
        "url-timeout",
        "404",
        "redirect",
        "too-large",
        "bad-pem",
        "empty",
        "html",
    ],
)
def test_a_certificate_that_cannot_be_had_is_refused_and_logged(
    site, fetched, signer, caplog, problem
):
    person = subscriber("reader@example.com")
    row = email_for(person)
    fetched.serves[SNS_CERT_URL] = problem
    caplog.set_level(logging.INFO)
    response = post(site, signer.message(complaint(row.id)))
    assert response.status_code == 403
    assert response.json["error"]["message"] == "Not accepted: certificate unavailable."
    [line] = [r for r in caplog.records if "certificate unavailable from" in r.getMessage()]
    expected = "ValueError" if isinstance(problem, bytes | ValueError) else type(problem).__name__
    assert line.getMessage() == (
        f"SNS signing certificate unavailable from sns.eu-west-2.amazonaws.com: {expected}"
    )
    logged = caplog.text
    assert "reader@example.com" not in logged
    assert return_path(row.id) not in logged
    assert fresh(person).status == SubscriberStatus.CONFIRMED
    assert db.session.scalar(select(func.count()).select_from(Bounce)) == 0
    # Once the certificate can be had, the same message is believed.
    fetched.serves[SNS_CERT_URL] = signer.pem
    assert post(site, signer.message(complaint(row.id))).json["outcomes"] == [
        "subscriber suppressed"
    ]


def test_a_genuine_message_is_acted_on_and_its_certificate_fetched_once(site, fetched, signer):
    people = [subscriber(f"reader{n}@example.com") for n in range(3)]
    for person in people:
        response = post(site, signer.message(complaint(email_for(person).id)))
        assert response.status_code == 200
        assert response.json["outcomes"] == ["subscriber suppressed"]
    assert all(fresh(p).status == SubscriberStatus.SUPPRESSED for p in people)
    assert fetched.asked == [SNS_CERT_URL]


def test_the_certificate_cache_keeps_the_sixteen_most_recently_used(site, fetched, signer):
    urls = [f"https://sns.eu-west-{n}.amazonaws.com/SimpleNotificationService-{n}.pem"
            for n in range(sns.CACHED_CERTIFICATES + 1)]  # fmt: skip
    for url in urls:
        fetched.serves[url] = signer.pem

    def use(url: str) -> None:
        assert post(site, signer.message(NOTHING, cert_url=url)).status_code == 200

    for url in urls[:16]:
        use(url)
    use(urls[0])  # cached: not fetched again, and now the most recently used
    assert fetched.asked == urls[:16]
    use(urls[16])  # one too many: the least recently used (urls[1]) goes
    cache = site.extensions["sns_certificates"]
    assert len(cache.urls()) == sns.CACHED_CERTIFICATES
    assert urls[1] not in cache.urls()
    assert cache.urls()[-2:] == [urls[0], urls[16]]
    fetched.asked.clear()
    use(urls[0])
    use(urls[1])  # fetched again
    assert fetched.asked == [urls[1]]


def test_the_cache_is_bounded_whatever_is_put_in_it():
    cache = sns.CertificateCache(size=3)
    certificate = object()  # any object stands for a certificate
    for n in range(10):
        cache.put(f"u{n}", certificate)
    assert cache.urls() == ["u7", "u8", "u9"]
    assert cache.get("u7") is certificate
    assert cache.urls() == ["u8", "u9", "u7"]
    assert cache.get("u0") is None


class _Server(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow.pem":
            time.sleep(1)
        if self.path == "/moved.pem":
            self.send_response(302)
            self.send_header("Location", "/ok.pem")
            self.end_headers()
            return
        body = {"/ok.pem": b"x" * sns.MAX_CERTIFICATE_BYTES,
                "/big.pem": b"x" * (sns.MAX_CERTIFICATE_BYTES + 1)}.get(self.path)  # fmt: skip
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the slow answer finds its client gone: expected


@pytest.fixture
def local_server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    server = _QuietServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_download_takes_at_most_64_kb_follows_no_redirect_and_gives_up(
    local_server, monkeypatch
):
    assert sns.download(f"{local_server}/ok.pem") == b"x" * sns.MAX_CERTIFICATE_BYTES
    with pytest.raises(ValueError, match="too large"):
        sns.download(f"{local_server}/big.pem")
    with pytest.raises(urllib.error.HTTPError) as redirected:
        sns.download(f"{local_server}/moved.pem")
    assert redirected.value.code == 302
    with pytest.raises(urllib.error.HTTPError):
        sns.download(f"{local_server}/missing.pem")
    monkeypatch.setattr(sns, "FETCH_TIMEOUT_SECONDS", 0.2)
    with pytest.raises(OSError, match="timed out"):  # urllib's errors, and timeouts, are OSErrors
        sns.download(f"{local_server}/slow.pem")


def email_for(person) -> OutboxEmail:
    row = OutboxEmail(kind=EmailKind.SUBSCRIBE_CONFIRM, subscriber_id=person.id,
                      status=OutboxStatus.SENT)  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


def complaint(row_id: int) -> dict:
    return {"notificationType": "Complaint", "mail": {"source": return_path(row_id)},
            "complaint": {"complaintFeedbackType": "abuse"}}  # fmt: skip
